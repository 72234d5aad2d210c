from django.urls import path

from prachum.committees import views

app_name = "committees"
urlpatterns = [
    path("", views.committee_list, name="list"),
    path("new/", views.committee_create, name="create"),
    path("<uuid:pk>/", views.committee_detail, name="detail"),
    path("<uuid:pk>/position/", views.member_position, name="member_position"),
    path("<uuid:pk>/rates/", views.allowance_rates, name="rates"),
]
