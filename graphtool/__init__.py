"""graphtool: influence-network analysis on a graph store, with evidence for every finding."""

__version__ = "0.1.0"
