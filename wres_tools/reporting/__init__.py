"""Published results -> words, tables, charts and pages: what the notebooks show.

``formats`` prints a figure, ``narrative`` writes the sentences, ``charts`` draws, ``blocks`` lays
out HTML, ``sections`` builds each section from :class:`~wres_tools.reporting.data.ReportData`
and ``report`` is what a notebook calls.
"""
