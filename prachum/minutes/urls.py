from django.urls import path

from prachum.minutes import views

app_name = "minutes"
urlpatterns = [
    path("", views.minutes_detail, name="detail"),
    path("draft/", views.minutes_draft, name="draft"),
    path("edit/", views.minutes_edit, name="edit"),
    path("presiding/", views.minutes_presiding, name="presiding"),
    path("<int:version>/approval/", views.minutes_approval, name="approval"),
    path("<int:version>/approve/", views.minutes_approve, name="approve"),
    path("<int:version>/minutes.pdf", views.minutes_pdf, name="pdf"),
    path("<int:version>/minutes.docx", views.minutes_docx, name="docx"),
]
