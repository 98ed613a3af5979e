"""azint as a CI gate: questions asked of many walks.

``intents`` reads an intents file, ``check`` evaluates it, ``sweep`` fails each element in turn
(``whatif``), ``changes`` compares two topologies (``diff``). Pure: nothing here prints or exits.
"""
