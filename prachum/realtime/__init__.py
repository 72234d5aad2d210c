"""The live room over WebSockets: routing, the consumer, message schemas, flood control.

No rules live here: every change goes through the room's command table (``prachum.room.commands``) and every
read through selectors (style guide §1 rule 5, ARCHITECTURE §4).
"""
