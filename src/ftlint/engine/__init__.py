"""The engine: rule selection, isolation, the streaming pass over eval rows, processes."""
