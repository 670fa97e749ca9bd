"""The public, wasmtime-py-shaped API (re-exported by ``runtime``)."""
