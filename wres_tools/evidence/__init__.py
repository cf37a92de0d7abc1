"""What lets an evaluator check a batch: the ``manifest`` of inputs, outputs and environment,
the ``results`` files (results.csv and its dictionary), and ``reproduce``, which re-runs a
manifest and compares every figure.
"""
