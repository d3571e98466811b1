from django.db import migrations

CATALOGUE = [
    ("fashion", "Fashion", "穿搭"),
    ("food", "Food", "美食"),
    ("travel", "Travel", "旅行"),
    ("beauty", "Beauty", "彩妆"),
    ("home", "Home", "家居"),
    ("fitness", "Fitness", "健身"),
    ("tech", "Tech", "数码"),
    ("pets", "Pets", "萌宠"),
    ("books", "Books", "读书"),
    ("music", "Music", "音乐"),
    ("movies", "Movies", "影视"),
    ("career", "Career", "职场"),
    ("study", "Study", "学习"),
    ("photography", "Photography", "摄影"),
    ("art", "Art & design", "艺术"),
    ("outdoors", "Outdoors", "户外"),
    ("parenting", "Parenting", "母婴"),
    ("gaming", "Gaming", "游戏"),
]


def add(apps, schema_editor):
    Interest = apps.get_model("accounts", "Interest")
    for position, (slug, name_en, name_zh) in enumerate(CATALOGUE):
        Interest.objects.update_or_create(
            slug=slug, defaults={"name_en": name_en, "name_zh": name_zh, "position": position}
        )


def remove(apps, schema_editor):
    apps.get_model("accounts", "Interest").objects.filter(
        slug__in=[slug for slug, _, _ in CATALOGUE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(add, remove)]
