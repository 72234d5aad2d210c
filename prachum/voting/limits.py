"""How much a vote change may carry: options, question and free-text lengths."""

MAX_OPTIONS = 100
QUESTION_MAX = 500
TEXT_MAX = 10_000
TERMINAL_UNLOCK_SECONDS = 180  # an unlock of the room ballot terminal lasts 3 minutes
