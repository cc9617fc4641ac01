"""The applications over the stages: the command line and the review workspace."""
