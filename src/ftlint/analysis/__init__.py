"""Statistics and the output-contract / failure taxonomy analysis that rules share."""
