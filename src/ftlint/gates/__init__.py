"""Promotion gates: policy, the decision per gate, intervals, the overall verdict."""
