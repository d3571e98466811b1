"""Page addresses (stable: see API.md). Fragments that htmx loads live under /x/."""

from django.urls import path

from .views import account, activity, compose, explore, notes, people, pwa
from .views import search as search_views

urlpatterns = [
    # explore and feeds
    path("", explore.home, name="home"),
    path("following", explore.following, name="following"),
    path("x/feed", explore.feed_fragment, name="feed-fragment"),
    # notes
    path("notes/<int:note_id>", notes.note_page, name="note"),
    path("x/notes/<int:note_id>/comments", notes.comments_fragment, name="comments-fragment"),
    # search and tags
    path("search", search_views.search, name="search"),
    path("search/history/clear", search_views.clear_history, name="search-history-clear"),
    path("tags/<str:tag>", search_views.tag, name="tag"),
    path("compose", compose.compose, name="compose"),
    # people
    path("u/<str:username>", people.profile, name="profile"),
    path("u/<str:username>/collects", people.profile_collects, name="profile-collects"),
    path("u/<str:username>/likes", people.profile_likes, name="profile-likes"),
    path("u/<str:username>/boards", people.boards, name="boards"),
    path("boards/<int:board_id>", people.board, name="board"),
    path(
        "x/profile-notes/<str:username>/<str:tab>", people.notes_fragment, name="profile-fragment"
    ),
    # account
    path("signin", account.signin, name="signin"),
    path("signup", account.signup, name="signup"),
    path("signout", account.signout, name="signout"),
    path("onboarding", account.onboarding, name="onboarding"),
    path("settings", account.settings_page, name="settings"),
    path("settings/profile", account.edit_profile, name="edit-profile"),
    path("settings/language", account.set_language, name="set-language"),
    # activity
    path("notifications", activity.notifications, name="notifications"),
    # installable app
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
]
