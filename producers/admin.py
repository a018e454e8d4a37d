from django.contrib import admin

from producers.models import Category, CertificationType, SubCategory


class SubCategoryInline(admin.TabularInline):
    model = SubCategory
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "sort_order"]
    inlines = [SubCategoryInline]


@admin.register(CertificationType)
class CertificationTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_th", "name_en", "issuer_en", "typical_validity_months"]
