"""How much a vote change may carry: options, question and free-text lengths."""

MAX_OPTIONS = 100
QUESTION_MAX = 500
TEXT_MAX = 10_000
TERMINAL_UNLOCK_SECONDS = 180  # an unlock of the room ballot terminal lasts 3 minutes
PAPER_BATCH_MAX = 1000  # paper ballots in one batch (a body is never larger)
