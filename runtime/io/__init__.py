"""Waiting on host resources: the Pollable interface, concrete pollables, and poll."""
from .poll import poll
from .pollable import AlwaysReady, ClockPollable, FdReadable, FdWritable, Pollable

__all__ = ["AlwaysReady", "ClockPollable", "FdReadable", "FdWritable", "Pollable", "poll"]
