"""Every authority and year into pages: ``plan`` what to run, ``run`` it on warm kernels
(``kernels``), ``export`` each notebook as a self-contained page, draw the ``index`` and
``finish`` with the evidence.
"""
