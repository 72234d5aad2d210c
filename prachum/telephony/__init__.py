"""SIP room systems and telephones in the meeting (issue 17): calls as traffic data,
identity by PIN, joining the room as a connection, keypad ballots, the gateway's
heartbeat. The SIP stack is ``prachum.sipgw``; Janus AudioBridge is ``prachum.media``."""
