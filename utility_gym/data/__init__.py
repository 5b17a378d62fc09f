"""Offline data from utility-gym episodes: Minari datasets and chat fine-tuning files.

``minari_support`` (needs the ``data`` extra) registers the ``UnicodeText`` serializer with
Minari and gives ``DataCollector`` a step callback that records any env's info; ``chat`` turns
episodes into OpenAI chat messages with tool calls. ``utility-bench export`` uses both.
"""
