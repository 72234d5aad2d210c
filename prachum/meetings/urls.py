from django.urls import path

from prachum.meetings import file_views, life_views, views

app_name = "meetings"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/<uuid:committee_pk>/", views.meeting_create, name="create"),
    path("<uuid:pk>/", views.meeting_detail, name="detail"),
    path("<uuid:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("<uuid:pk>/agenda/<uuid:item_pk>/", views.agenda_edit, name="agenda_edit"),
    path(
        "<uuid:pk>/agenda/<uuid:item_pk>/remove/",
        views.agenda_remove,
        name="agenda_remove",
    ),
    path("<uuid:pk>/documents/", views.document_upload, name="document_upload"),
    path(
        "<uuid:pk>/documents/<uuid:document_pk>/enclosure/",
        views.document_enclosure,
        name="document_enclosure",
    ),
    path("documents/<int:version_pk>/", views.document_download, name="document"),
    path(
        "<uuid:pk>/decide-electronic/",
        views.decide_electronic,
        name="decide_electronic",
    ),
    path("<uuid:pk>/urgent/", views.mark_urgent, name="mark_urgent"),
    path("<uuid:pk>/notice/", views.send_notice, name="send_notice"),
    path(
        "<uuid:pk>/notice/retry/",
        views.retry_notice_delivery,
        name="retry_notice_delivery",
    ),
    path(
        "<uuid:pk>/notices/<uuid:notice_pk>/letter.pdf",
        views.notice_letter,
        name="notice_letter",
    ),
    path("<uuid:pk>/evidence/", views.evidence, name="evidence"),
    path("<uuid:pk>/timeline/", file_views.timeline, name="timeline"),
    path("<uuid:pk>/timeline.svg", file_views.timeline_download, name="timeline_svg"),
    path("<uuid:pk>/reschedule/", life_views.reschedule, name="reschedule"),
    path("<uuid:pk>/cancel/", life_views.cancel, name="cancel"),
    path("<uuid:pk>/delete/", life_views.delete_draft, name="delete"),
    path("<uuid:pk>/follow-up/", life_views.follow_up, name="follow_up"),
]
