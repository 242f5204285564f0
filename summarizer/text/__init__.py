"""Text: sentences and the numbers in them, the result candidates and benchmark/subject labels
they carry, and text made safe for an output (Markdown cells, spreadsheet cells, secrets).

Nothing here knows of records, models or runs; everything above builds on it.
"""
