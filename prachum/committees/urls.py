from django.urls import path

from prachum.committees import agency_views, views

app_name = "committees"
urlpatterns = [
    path("", views.committee_list, name="list"),
    path("new/", views.committee_create, name="create"),
    path("<uuid:pk>/", views.committee_detail, name="detail"),
    path("<uuid:pk>/position/", views.member_position, name="member_position"),
    path("<uuid:pk>/rates/", views.allowance_rates, name="rates"),
    path("agencies/", agency_views.agency_list, name="agencies"),
    path("agencies/new/", agency_views.agency_create, name="agency_create"),
    path("agencies/<uuid:pk>/", agency_views.agency_edit, name="agency_edit"),
    path(
        "agencies/<uuid:pk>/garuda/", agency_views.agency_garuda, name="agency_garuda"
    ),
]
