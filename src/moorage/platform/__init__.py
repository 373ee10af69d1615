"""Where workloads run: `local` supervises processes on this host."""
