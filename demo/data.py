"""The demo municipality, modelled on Khamis Mushait: departments, utilities, the Balady-style
category tree (real names; see shared/DOMAIN.md) and the demo staff.

Plain data; ``demo.seed.seed_demo`` writes it.
"""

from __future__ import annotations

DEMO_PASSWORD = "balagh-demo"

# code, Arabic, English, e-mail
DEPARTMENTS = [
    ("triage", "الفرز والتوجيه", "Triage desk", "triage@balagh.local", True),
    ("roads", "إدارة الطرق", "Roads", "roads@balagh.local", False),
    ("cleaning", "إدارة النظافة", "Cleanliness", "cleaning@balagh.local", False),
    ("lighting", "إدارة الإنارة", "Street lighting and signage", "lighting@balagh.local", False),
    ("parks", "إدارة الحدائق والمرافق", "Parks and public facilities", "parks@balagh.local", False),
    ("buildings", "إدارة الرقابة على المباني", "Building control", "buildings@balagh.local", False),
    ("health", "إدارة صحة البيئة", "Environmental health", "health@balagh.local", False),
    ("markets", "إدارة الأسواق والمحلات", "Markets and food shops", "markets@balagh.local", False),
    ("emergency", "إدارة الطوارئ والسيول", "Emergencies and floods", "emergency@balagh.local", False),
    ("excavations", "إدارة الحفريات", "Excavation permits", "excavations@balagh.local", False),
]

# code, Arabic, English, kind
UTILITIES = [
    ("nwc", "شركة المياه الوطنية", "National Water Company", "water"),
    ("sec", "الشركة السعودية للكهرباء", "Saudi Electricity Company", "electricity"),
    ("stc", "شركة الاتصالات السعودية", "Saudi Telecom Company", "telecom"),
]

# Main types: code, Arabic, English, icon, default department, weight (share of reports)
MAIN_TYPES = [
    ("lighting", "الإنارة واللوحات الإرشادية", "Lighting and signage", "💡", "lighting", 2362),
    ("cleanliness", "النظافة", "Cleanliness", "🧹", "cleaning", 2264),
    ("roads", "الطرق", "Roads", "🛣️", "roads", 2223),
    ("excavations", "الحفريات", "Excavations", "🚧", "excavations", 700),
    ("floods", "الكوارث والسيول", "Disasters and floods", "🌧️", "emergency", 685),
    ("parks", "الحدائق والمرافق العامة", "Parks and public facilities", "🌳", "parks", 518),
    ("buildings", "المباني والتعديات", "Buildings and encroachments", "🏚️", "buildings", 432),
    ("visual", "التشوه البصري", "Visual pollution", "🎨", "buildings", 300),
    ("markets", "الأسواق والمتاجر", "Markets and food shops", "🏪", "markets", 204),
    ("env-health", "صحة البيئة", "Environmental health", "🐕", "health", 250),
]

# Sub-types: code, parent, Arabic, English, priority, response and resolution targets in WORKING hours for a
# normal-priority report (8 a day: 24 = 3 working days; the priority table scales them, urgent is 4 h 24/7),
# needs photo, anonymous ok
SUB_TYPES = [
    ("lighting-out", "lighting", "إنارة معطلة", "Street light out", "normal", 8, 24, False, True),
    ("lighting-pole", "lighting", "عمود إنارة مائل أو متضرر", "Leaning or damaged lamp post", "high", 8, 16, True, True),
    ("signage-damaged", "lighting", "لوحة إرشادية ساقطة أو باهتة", "Fallen or faded sign", "normal", 16, 40, False, True),
    ("litter", "cleanliness", "مبعثرات", "Scattered litter", "normal", 4, 8, False, True),
    ("rubble", "cleanliness", "مخلفات صلبة وأنقاض", "Solid waste and rubble", "normal", 8, 24, True, True),
    ("container-full", "cleanliness", "حاوية ممتلئة", "Full container", "normal", 4, 8, False, True),
    ("dead-animal", "cleanliness", "حيوان نافق", "Dead animal", "high", 2, 8, False, True),
    ("pothole", "roads", "حفرة", "Pothole", "normal", 8, 24, True, True),
    ("road-subsidence", "roads", "هبوط في الطريق", "Road subsidence", "urgent", 4, 16, True, True),
    ("road-cracks", "roads", "تشققات في الطريق", "Road cracks", "low", 16, 40, False, True),
    ("sand-on-road", "roads", "رمال على الطريق", "Sand on the road", "normal", 8, 16, False, True),
    ("pavement-damaged", "roads", "رصيف متضرر", "Damaged pavement", "low", 16, 40, False, True),
    ("excavation-water", "excavations", "تجمع مياه في موقع حفرية", "Water pooling at an excavation", "high", 8, 16, True, True),
    (
        "manhole-open",
        "excavations",
        "غطاء غرفة تفتيش مفتوح أو مفقود",
        "Open or missing manhole cover",
        "urgent",
        2,
        8,
        True,
        True,
    ),
    (
        "excavation-no-lights",
        "excavations",
        "حفرية بلا إنارة تحذيرية",
        "Excavation without warning lights",
        "high",
        4,
        8,
        False,
        True,
    ),
    (
        "asphalt-not-reinstated",
        "excavations",
        "عدم إعادة السفلتة بعد الحفر",
        "Asphalt not reinstated",
        "normal",
        16,
        40,
        True,
        True,
    ),
    ("flooding", "floods", "تجمع مياه الأمطار وغرق", "Flooding", "urgent", 2, 8, False, True),
    ("drain-blocked", "floods", "تصريف مسدود", "Blocked drain", "high", 4, 16, False, True),
    ("fallen-tree", "floods", "شجرة ساقطة", "Fallen tree", "high", 4, 8, False, True),
    ("playground-broken", "parks", "ألعاب أطفال متضررة", "Broken playground equipment", "high", 8, 24, True, True),
    ("irrigation-leak", "parks", "تسرب مياه الري", "Irrigation leak", "normal", 8, 16, False, True),
    ("bench-damaged", "parks", "مقعد متضرر", "Damaged bench", "low", 16, 40, False, True),
    ("building-collapse-risk", "buildings", "مبنى آيل للسقوط", "Building at risk of collapse", "urgent", 4, 24, True, False),
    ("encroachment", "buildings", "تعدٍّ على أرض عامة", "Encroachment on public land", "normal", 16, 112, True, False),
    ("no-permit", "buildings", "بناء بدون ترخيص", "Construction without a permit", "normal", 16, 112, True, False),
    ("graffiti", "visual", "كتابات على الجدران", "Graffiti", "low", 16, 40, True, True),
    ("bad-billboard", "visual", "لوحة إعلانية مخالفة", "Non-compliant billboard", "normal", 16, 40, True, True),
    ("abandoned-car", "visual", "سيارة مهملة", "Abandoned car", "low", 16, 80, True, True),
    ("food-violation", "markets", "مخالفة صحية في محل غذائي", "Food-shop health violation", "high", 8, 16, False, True),
    ("expired-goods", "markets", "بيع مواد منتهية الصلاحية", "Expired goods on sale", "high", 8, 16, False, True),
    ("street-vendor", "markets", "بائع متجول", "Street vendor", "low", 16, 24, False, True),
    ("stray-dogs", "env-health", "الكلاب الضالة", "Stray dogs", "high", 8, 24, False, True),
    ("insects-rodents", "env-health", "حشرات وقوارض", "Insects and rodents", "normal", 8, 24, False, True),
    ("stagnant-water", "env-health", "مياه راكدة", "Stagnant water", "normal", 8, 24, False, True),
]

# username, role, department code, utility code, first name, last name, e-mail
USERS = [
    ("admin", "admin", None, None, "مدير", "النظام", "admin@balagh.local"),
    ("agent", "agent", None, None, "نورة", "القحطاني", "agent@balagh.local"),
    ("roads", "officer", "roads", None, "فهد", "الشهري", "roads@balagh.local"),
    ("roads_head", "head", "roads", None, "سعد", "العسيري", "roads.head@balagh.local"),
    ("cleaning", "officer", "cleaning", None, "خالد", "الأحمري", "cleaning@balagh.local"),
    ("water", "liaison", None, "nwc", "ماجد", "الغامدي", "liaison@nwc.balagh.local"),
    ("committee", "committee", None, None, "لجنة", "المتابعة", "committee@balagh.local"),
    ("mayor", "mayor", None, None, "رئيس", "البلدية", "mayor@balagh.local"),
]

DESCRIPTIONS = {
    "lighting-out": ["أعمدة الإنارة في الشارع مطفأة منذ ثلاثة أيام والشارع مظلم ليلاً", "إنارة الحديقة لا تعمل بعد المغرب"],
    "pothole": ["حفرة كبيرة في منتصف الطريق أمام المدرسة تسببت في تلف الإطارات", "حفر متعددة بعد الأمطار على الطريق الرئيسي"],
    "road-subsidence": ["هبوط مفاجئ في الأسفلت عند التقاطع وخطر على السيارات"],
    "litter": ["مخلفات متناثرة بجوار الحاويات منذ أيام", "أكياس نفايات مبعثرة في الممر"],
    "container-full": ["الحاوية ممتلئة ولم تفرغ منذ أسبوع والروائح منتشرة"],
    "rubble": ["مخلفات بناء وأنقاض مرمية على جانب الطريق"],
    "stray-dogs": ["مجموعة كلاب ضالة تتجمع قرب المدرسة صباحاً وتخيف الأطفال"],
    "manhole-open": ["غطاء غرفة التفتيش مفقود في وسط الشارع وخطر على المارة"],
    "flooding": ["تجمع كبير لمياه الأمطار يغلق النفق"],
    "graffiti": ["كتابات مشوهة على جدار المدرسة"],
    "building-collapse-risk": ["مبنى قديم متصدع وجدرانه مائلة بجوار المنازل"],
}
DEFAULT_DESCRIPTION = "يوجد بلاغ يحتاج إلى معالجة في هذا الموقع، نرجو سرعة التدخل"

FIRST_NAMES = ["محمد", "عبدالله", "فهد", "سارة", "نورة", "أحمد", "عبدالرحمن", "ريم", "خالد", "منى", "سلطان", "هيفاء"]
STREETS = ["طريق الملك فيصل", "شارع الأمير سلطان", "طريق الملك عبدالعزيز", "شارع الستين", "طريق أبها", "شارع الضيافة"]
