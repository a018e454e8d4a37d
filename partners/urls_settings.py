"""Partner settings: notification preference, members and invitations, channel requirements, API keys."""

urlpatterns: list = []
