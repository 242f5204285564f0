"""Large runs: batch files in the Batch API's format (`files`) and the client that submits,
polls, collects and cancels them through an OpenAI-compatible Files and Batches API (`api`).
"""
