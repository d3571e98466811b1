from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("notes/<int:note_id>", views.note_detail, name="note"),
    path("u/<str:username>", views.profile, name="profile"),
    path("signin", views.signin, name="signin"),
    path("signup", views.signup, name="signup"),
    path("signout", views.signout, name="signout"),
]
