from django.urls import path

from territoire.automations import views

app_name = "automations"

urlpatterns = [
    path("", views.rules, name="rules"),
    path("nouvelle/", views.rule_new, name="rule_new"),
    path("<int:pk>/", views.rule_detail, name="rule"),
    path("<int:pk>/suspendre/", views.rule_suspend, name="suspend"),
    path("<int:pk>/reprendre/", views.rule_resume, name="resume"),
    path("<int:pk>/supprimer/", views.rule_delete, name="delete"),
    path("<int:pk>/simulation/", views.rule_dry_run, name="dry_run"),
    path("<int:pk>/modifier/", views.rule_edit, name="edit"),
    path("<int:pk>/forcer/", views.rule_force, name="force"),
    path("reservations/", views.bookings, name="bookings"),
    path("reservations/nouvelle/", views.booking_new, name="booking_new"),
    path("reservations/<int:pk>/annuler/", views.booking_cancel, name="booking_cancel"),
]
