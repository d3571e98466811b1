"""The composer: publish a new note at /compose, or edit one of yours at /compose?edit=<id>.

The page itself writes nothing: the browser uploads images and publishes through the JSON
API (/api/v1/media, /api/v1/notes), which calls the same services as every other client.
This view only decides who may open the page and hands the browser what it needs (the
limits, the translated messages and, when editing, the note) as data attributes and
``json_script`` blocks, since the strict CSP forbids inline scripts.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from vermilion.core.errors import NotFound
from vermilion.media.services import MAX_ALT_TEXT_CHARS
from vermilion.notes import services as notes
from vermilion.notes.models import Visibility
from vermilion.notes.presenters import note_dict
from vermilion.notes.queries import get_visible_note


def _visibility_choices() -> list[tuple[str, str]]:
    return [
        (Visibility.PUBLIC, _("Public: everyone")),
        (Visibility.FOLLOWERS, _("Followers: people who follow you")),
        (Visibility.PRIVATE, _("Private: only you")),
    ]


def _messages() -> dict:
    """Every sentence compose.js may show, in the reader's language (JS has no gettext)."""
    return {
        "queued": _("Waiting to upload…"),
        "uploading": _("Uploading…"),
        "processing": _("Processing…"),
        "ready": _("Ready"),
        "imageN": _("Image %(n)s"),
        "altLabel": _("Description of image %(n)s (alt text, optional)"),
        "moveEarlier": _("Move image %(n)s earlier"),
        "moveLater": _("Move image %(n)s later"),
        "remove": _("Remove image %(n)s"),
        "moved": _("Image moved to position %(n)s of %(total)s."),
        "network": _("Network problem. Check your connection and try again."),
        "tooMany": _("A note has at most %(max)s images.") % {"max": notes.MAX_IMAGES},
        "tooLarge": _("This image is too large."),
        "notImage": _("This file is not an image we can use."),
        "rateLimited": _("Too many uploads at once. Wait a moment, then retry."),
        "uploadFailed": _("The upload failed."),
        "mediaGone": _("This image is no longer available. Remove it and add it again."),
        "altSaveFailed": _("The description could not be saved."),
        "titleRequired": _("A note needs a title."),
        "titleTooLong": _("A title is at most %(max)s characters.")
        % {"max": notes.TITLE_MAX_CHARS},
        "bodyTooLong": _("The text is at most %(max)s characters.") % {"max": notes.BODY_MAX_CHARS},
        "mediaRequired": _("Add at least one image."),
        "mediaFailed": _("Remove the images that could not be uploaded, then try again."),
        "waitingForUploads": _("Publishing as soon as your images are ready…"),
        "notReadyYet": _("Your images are still being processed. Please try again in a moment."),
        "placeNameRequired": _("Give the place a name, or remove the location."),
        "locating": _("Finding your location…"),
        "locationFailed": _("Your location is not available."),
        "noGeolocation": _("This browser cannot share your location."),
        "discardConfirm": _(
            "Discard this draft? Your text and images will be removed from the form."
        ),
        "draftRestored": _("Your draft was restored."),
        "leaveWhileUploading": _("Images are still uploading. Leave anyway?"),
        "publishFailed": _("Could not publish. Please try again."),
        "suggestions": _("%(count)s suggestions"),
        "note": _("%(count)s note"),
        "notes": _("%(count)s notes"),
        "publish": _("Publish"),
        "publishing": _("Publishing…"),
        "save": _("Save changes"),
        "saving": _("Saving…"),
        "waiting": _("Waiting for images…"),
        "videoAlone": _("A video note has one video and no images."),
        "notVideo": _("This file is not a video we can use. Upload an MP4, MOV or WebM video."),
        "editFailed": _("The video edit could not be saved."),
        "rendering": _("Making your edited video… it will be published when it is ready."),
        "coverDefault": _("The first second"),
        "cropOriginal": _("Original"),
        "removeText": _("Remove the text “%(text)s”"),
        "filters": {
            "none": _("None"),
            "warm": _("Warm"),
            "cool": _("Cool"),
            "vivid": _("Vivid"),
            "mono": _("Mono"),
            "vintage": _("Vintage"),
            "fade": _("Fade"),
        },
    }


@login_required
@require_GET
def compose(request: HttpRequest) -> HttpResponse:
    """The composer page; with ``?edit=<id>`` it edits that note, for its author only.

    Someone else's note that you may see answers 403 (admins too: moderators delete, they
    don't rewrite); one you may not see, or that doesn't exist, answers 404 as everywhere.
    """
    me = request.user
    note = None
    edit = request.GET.get("edit")
    if edit is not None:
        try:
            found = get_visible_note(me, edit)
        except NotFound:
            raise Http404("No such note.")
        if found.author_id != me.pk:
            raise PermissionDenied("Only the author can edit a note.")
        note = note_dict(found, me)
    context = {
        "mode": "edit" if note else "create",
        "note": note,
        "visibility_choices": _visibility_choices(),
        "messages_js": _messages(),
        "limits": {
            "title": notes.TITLE_MAX_CHARS,
            "body": notes.BODY_MAX_CHARS,
            "images": notes.MAX_IMAGES,
            "alt": MAX_ALT_TEXT_CHARS,
            "place": notes.PLACE_NAME_MAX_CHARS,
        },
    }
    return render(request, "web/compose.html", context)
