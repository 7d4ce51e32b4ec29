"""The import engine: one pipeline for every ledger an app takes from Excel or CSV.

An app declares an :class:`~fugong.core.imports.registry.Importer` (its columns, natural key,
who may import, the places rows may go to, the row check through its own service rules, and
how checked rows are written) and registers it from its ``AppConfig.ready``. The engine does
the rest, the same way for every kind: the upload (``services.batch_start``), the check job
(preview, error file with the original rows and the reasons, header mapping), the user's
confirmation, the commit job (all-or-nothing or keeping the good rows), and the batch's states
on the workflow engine (``workflow.BATCHES``).

Modules: ``models`` (the batch and the remembered header mappings), ``registry`` (the importer
base class), ``engine`` (the two job kinds), ``services`` (start, confirm, recheck, list),
``workflow`` (the batch's transition table).
"""
