from django.contrib import admin

from partners.models import Partner


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_th", "status", "mou_date"]
    list_filter = ["status"]
    search_fields = ["code", "name_en", "name_th"]
