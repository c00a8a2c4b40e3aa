from django.urls import path

from territoire.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.search_page, name="search"),
    path("fiche/<int:pk>/", views.entry_detail, name="entry"),
    path("gestion/", views.manage, name="manage"),
    path("gestion/nouvelle/", views.entry_create, name="create"),
    path("gestion/<int:pk>/", views.entry_edit, name="edit"),
    path("gestion/<int:pk>/statut/", views.entry_status, name="status"),
    path("gestion/themes/", views.themes, name="themes"),
    path("gestion/themes/<int:pk>/", views.theme_edit, name="theme"),
]
