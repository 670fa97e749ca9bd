"""The binary decoder: bytes in, ``runtime.syntax.ast.Module`` out, ``DecodeError`` on malformed input.

``reader`` holds the byte-level primitives, ``instructions`` the body decoder,
``sections`` the per-section decoders and ``module`` the frame that ties them together.
"""
from .module import decode_module

__all__ = ["decode_module"]
