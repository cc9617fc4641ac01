"""The steps between the store and the outputs: candidates, duplicates, ranking, the digest."""
