from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "prachum.voting"
    label = "voting"

    def ready(self) -> None:
        # Voting builds on the room: it adds its commands, the live poll's snapshot
        # section and its close guard to the room (which does not import voting).
        from prachum.room import commands, facts, lifecycle, snapshot
        from prachum.voting import commands as vote_commands
        from prachum.voting.selectors import poll_snapshot, recused_ids

        commands.register(vote_commands.COMMANDS, vote_commands.RESOLVERS)
        snapshot.register_section("poll", poll_snapshot)
        lifecycle.register_close_guard(vote_commands.refuse_close_while_voting)
        facts.register_withdrawals(lambda item: recused_ids(item=item))
