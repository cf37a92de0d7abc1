"""Getting returns in: find, read, parse, validate and tidy an authority-year's return (and write
one: the demo's returns and the fill-in template).

The arrows run one way: ``find`` ← ``read`` ← ``parse`` ← ``validate`` ← ``tidy`` ← ``load``.
"""
