"""Word lists the generator draws from (invented data only; nobody real is on file)."""

SURNAMES = (
    "BENALI", "NGUYEN", "DIALLO", "TRAORE", "HADDAD", "KOWALSKI", "SILVA", "PEREIRA", "CHEN", "WANG",
    "MOHAMED", "AHMED", "KONE", "CAMARA", "MARTINEZ", "GARCIA", "POPESCU", "IVANOV", "KHAN", "SINGH",
    "BOUAZIZ", "EL AMRANI", "DOS SANTOS", "DA COSTA", "OUEDRAOGO", "MENSAH", "OKAFOR", "YILMAZ", "DEMIR",
    "KAYA", "ZHANG", "LI", "TRAN", "PHAM", "FOFANA", "SYLLA", "TOURE", "CISSE", "BAH", "BARRY", "SOW",
    "MBAYE", "NDIAYE", "FALL", "GUEYE", "AMARA", "SAIDI", "MANSOURI", "BELKACEM", "CHERIF", "RAHMAN",
)
FIRST_NAMES_M = (
    "MOHAMED", "AHMED", "ALI", "YOUSSEF", "OMAR", "KARIM", "IBRAHIMA", "MAMADOU", "MOUSSA", "JOAO", "PEDRO",
    "WEI", "MINH", "IVAN", "ANDREI", "RAHUL", "MEHMET", "EMRE", "KWAME", "CHINEDU", "SAMIR", "NABIL",
)
FIRST_NAMES_F = (
    "FATIMA", "AICHA", "KHADIJA", "MARIAM", "AMINATA", "FATOUMATA", "MARIA", "ANA", "LI NA", "MAI",
    "ELENA", "IOANA", "PRIYA", "AYSE", "ZEYNEP", "AMA", "NGOZI", "SALMA", "NADIA", "LEILA", "HUONG",
)
CITIES = (
    "CASABLANCA", "ALGER", "TUNIS", "DAKAR", "BAMAKO", "ABIDJAN", "KINSHASA", "SHANGHAI", "HANOI",
    "LISBONNE", "PORTO", "BUCAREST", "ISTANBUL", "LAGOS", "ACCRA", "KABOUL", "DACCA", "COLOMBO", "ORAN",
    "FES", "MARRAKECH", "SFAX", "CONAKRY", "DOUALA", "YAOUNDE", "PEKIN", "MOSCOU", "KIEV", "BELGRADE",
)
# Nationalities weighted roughly like the population on file (AGDREF codes).
NATIONALITIES = (
    ("DZ", 12), ("MA", 12), ("TN", 6), ("P", 5), ("TR", 4), ("RPC", 4), ("SN", 3), ("RMM", 3), ("CI", 3),
    ("CAM", 2), ("RO", 2), ("VN", 2), ("RU", 1), ("E", 1), ("I", 1), ("AFG", 2), ("BD", 1), ("CL", 1),
    ("APA", 1), ("ZZZ", 1), ("GB", 1), ("USA", 1), ("BR", 1), ("UA", 1), ("RH", 1),
)
# Former states, for birth countries of older persons (and the rare nationality defect).
FORMER_STATES = ("YU", "SU", "CS", "DDR", "ZR", "SCG")
DEPARTMENTS = (
    "075", "093", "092", "094", "013", "069", "059", "033", "031", "067", "006", "034", "038", "044",
    "095", "091", "078", "077", "976", "971", "973", "02A", "02B",
)
STREET_TYPES = ("RUE", "RUE", "RUE", "BD", "AV", "AV", "CHE", "IMP", "PL", "ALL", "QU", "RTE", "")
STREET_NAMES = (
    "DES LILAS", "VICTOR HUGO", "JEAN JAURES", "DE LA REPUBLIQUE", "PASTEUR", "DU GENERAL LECLERC",
    "DES ECOLES", "GAMBETTA", "DE LA GARE", "DU MARCHE", "EMILE ZOLA", "DES ROSES", "DE PARIS", "FOCH",
)
# Communes per department, written the legacy's way (abbreviated).
COMMUNES = {
    "075": ("PARIS",), "093": ("ST DENIS", "MONTREUIL", "AUBERVILLIERS", "BOBIGNY"),
    "092": ("NANTERRE", "COLOMBES", "ASNIERES S/SEINE"), "094": ("VITRY S SEINE", "CRETEIL", "IVRY S/SEINE"),
    "013": ("MARSEILLE", "AIX EN PROVENCE"), "069": ("LYON", "VENISSIEUX", "VILLEURBANNE"),
    "059": ("LILLE", "ROUBAIX", "TOURCOING"), "033": ("BORDEAUX", "MERIGNAC"), "031": ("TOULOUSE",),
    "067": ("STRASBOURG",), "006": ("NICE", "CANNES"), "034": ("MONTPELLIER",), "038": ("GRENOBLE",),
    "044": ("NANTES", "ST HERBLAIN"), "095": ("ARGENTEUIL", "SARCELLES"), "091": ("EVRY", "STE GENEVIEVE DES BOIS"),
    "078": ("MANTES LA JOLIE", "TRAPPES"), "077": ("MEAUX", "CHELLES"), "976": ("MAMOUDZOU",),
    "971": ("POINTE A PITRE", "LES ABYMES"), "973": ("CAYENNE", "ST LAURENT DU MARONI"),
    "02A": ("AJACCIO", "PORTO VECCHIO"), "02B": ("BASTIA", "CORTE"),
}
POSTCODE_PREFIX = {"02A": "200", "02B": "202", "976": "976", "971": "971", "973": "973"}
