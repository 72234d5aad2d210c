"""Included under ``meetings/<uuid:pk>/room/`` (config/urls.py).

The namespace stays ``attendance``: the room grew in that app, and its URL names are in
every template and link; the paths themselves are unchanged.
"""

from django.urls import path

from prachum.attendance import absence_views
from prachum.attendance import views as check_views
from prachum.room import console_views as views
from prachum.room import media_views
from prachum.room.views import room
from prachum.voting import (
    challenge_views,
    dissent_views,
    room_ballot_views,
    room_views,
)

app_name = "attendance"
urlpatterns = [
    path("", room, name="room"),
    path("check/", check_views.check, name="check"),
    path("leave/", absence_views.absence, name="absence"),
    path(
        "leave/<uuid:absence_pk>/withdraw/",
        absence_views.withdraw,
        name="absence_withdraw",
    ),
    path("media/join/", media_views.media_join, name="media_join"),
    path("media/mute/", media_views.media_mute, name="media_mute"),
    path("media/unmute/", media_views.media_unmute, name="media_unmute"),
    path("media/stop-video/", media_views.media_stop_video, name="media_stop_video"),
    path("check/code/", check_views.send_code, name="send_code"),
    path("open/", views.open_meeting, name="open"),
    path("suspend/", views.suspend_meeting, name="suspend"),
    path("resume/", views.resume_meeting, name="resume"),
    path("close/", views.close_meeting, name="close"),
    path("item/", views.set_item, name="set_item"),
    path("floor/give/", views.give_floor, name="give_floor"),
    path("floor/end/", views.end_floor, name="end_floor"),
    path("remove/", views.remove_participant, name="remove"),
    path("readmit/", views.readmit_participant, name="readmit"),
    path("admit/", views.admit_invitee, name="admit"),
    path("vouch/", views.vouch, name="vouch"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("incidents/", views.report_incident, name="report"),
    path("votes/create/", room_views.create_poll, name="poll_create"),
    path("votes/open/", room_views.open_poll, name="poll_open"),
    path("votes/close/", room_views.close_poll, name="poll_close"),
    path("votes/ballot/", room_views.cast_ballot, name="ballot"),
    path("votes/casting-vote/", room_views.casting_vote, name="casting_vote"),
    path("votes/resolution/", room_views.record_resolution, name="resolution"),
    path("votes/dissent/", room_views.record_dissent, name="dissent"),
    path("dissents/", dissent_views.my_dissents, name="my_dissents"),
    path("votes/room/", room_ballot_views.room_ballots_page, name="room_ballots"),
    path("votes/hands/", room_ballot_views.record_hand_vote, name="hand_vote"),
    path(
        "votes/terminal/unlock/",
        room_ballot_views.unlock_terminal,
        name="terminal_unlock",
    ),
    path("votes/terminal/lock/", room_ballot_views.lock_terminal, name="terminal_lock"),
    path("votes/paper/", room_ballot_views.record_paper_batch, name="paper_batch"),
    path("terminal/", room_ballot_views.terminal, name="terminal"),
    path("terminal/cast/", room_ballot_views.terminal_cast, name="terminal_cast"),
    path("challenges/", challenge_views.challenge_page, name="challenges"),
    path(
        "challenges/<uuid:challenge_pk>/decide/",
        challenge_views.decide,
        name="challenge_decide",
    ),
    path(
        "resolutions/<uuid:resolution_pk>/redo/",
        challenge_views.redo,
        name="resolution_redo",
    ),
    path(
        "incidents/<uuid:incident_pk>/handle/",
        views.handle_incident,
        name="handle",
    ),
]
