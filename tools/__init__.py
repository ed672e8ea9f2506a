"""Build tools: the check `make build` runs on the artifact, and the runnable copy of it
that bench.coldstart measures."""
