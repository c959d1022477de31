"""The SQL the parts run, one module per concern; each function takes the ``Store`` (or a connection) first.

The delivery queue's claims and attempts live beside the worker, in ``widget.delivery.queue``.
"""
