"""Other ways in: Azure Resource Manager JSON and Terraform plans, read into one neutral
description of an Azure estate (:mod:`azint.sources.estate`) and written out as a topology
(:mod:`azint.sources.writer`).

Nothing here prints or exits: readers raise :class:`azint.sources.estate.SourceError` naming the
file and the JSON path, and return what they could not model as data for the command to report.
"""
