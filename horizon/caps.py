"""Size caps for input files a command reads: untrusted, like HTTP bodies, so refused before they are read whole.

100,000 typical items are about 60 MB; one item is a few kB.
"""

MAX_FILE_BYTES = 256_000_000
MAX_LINE_BYTES = 1_000_000
