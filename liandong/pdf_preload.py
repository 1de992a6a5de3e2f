"""Imported by the PDF workers' fork server before it forks any worker (see
liandong.fork_server): WeasyPrint and the modules a print job uses, so that every worker
starts with them loaded instead of importing them itself.

Only imports: nothing here opens a file or a font a forked worker would share with its siblings
(each worker makes its own renderer), and no thread is started (the server forks). A failure must
not take the fork server down, or no PDF could render: a worker then imports what it needs itself
and meets the error there, where it is reported with the page it was rendering.
"""

from __future__ import annotations


def preload() -> None:
    from liandong.fast_libs import fast_find_library

    with fast_find_library():  # WeasyPrint's first import, without ~200 gcc/ld runs
        import weasyprint  # noqa: F401
        from weasyprint.text.fonts import FontConfiguration  # noqa: F401

    import liandong.cjk_justify  # noqa: F401
    import liandong.pdf  # noqa: F401
    import liandong.pipeline  # noqa: F401  (print_html, for render_print_job)
    import liandong.print_text  # noqa: F401


try:
    preload()
except Exception:  # noqa: BLE001 — see the module docstring: the worker meets it again and reports it
    pass
