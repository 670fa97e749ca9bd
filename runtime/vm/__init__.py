"""The run-time data structures generated code works on (see ``runtime.jit.abi``)."""
