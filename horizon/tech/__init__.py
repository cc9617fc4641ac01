"""The live database of innovations: linking items to technologies, their evidence, and new names."""
