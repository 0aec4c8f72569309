"""The regexes that recognise news boilerplate, one per kind (used by `boilerplate.py`).

Measured on the 7,586 RealTimeQA 2023 articles (USA TODAY, CNN, The Week UK): every kind used to
drop a line or a sentence matched boilerplate in at least 98% of the matches read (30 random
ones per kind, the whole list for the risky ones). They are English-only and tuned on those
outlets: other sources (Russian feeds, Reuters originals) need their own. Each pattern is
applied to one raw paragraph ("line") of an article, before sentences are split and chunked,
unless its comment says it is applied to sentences.
"""

from __future__ import annotations

import re

IGNORE = re.IGNORECASE

# --------------------------------------------------------------------------------- datelines
OUTLET = r"CNN(?:\s+Bu\w{1,3}ness)?|AP|Reuters|AFP|UPI|KHN|The Conversation"
# A dateline on a line of its own: "Kessling, Norway CNN —", "CNN —", "New York CNN Business —".
DATELINE_LINE = re.compile(
    r"^(?:(?P<place>[A-Z][^—–()\d]{0,60}?)\s+)?\(?(?P<outlet>" + OUTLET + r")\)?\s*[—–]\s*$"
)
_CAPS = r"[A-Z][A-Z.'’\-]*[A-Z.]"
_CAPS_FIRST = r"[A-Z][A-Z.'’\-]+[A-Z.]"  # three letters at least: not a "TE –" position label
_CAPS_PLACE = (  # "LINCOLN, Neb.", "SAO PAULO", "ZHANGJIAKOU, China"
    r"(?:" + _CAPS_FIRST + r")(?:\s+(?:" + _CAPS + r"|de|da|do|del|la|le|al|el))*"
    r"(?:,\s*[A-Z][A-Za-z.'’\-]*(?:\s+[A-Z][A-Za-z.'’\-]*){0,2})?"
)
# The dateline opening a paragraph: "WASHINGTON —", "LINCOLN, Neb. (AP) —", "Sao Paulo (CNN) —",
# "GLENDALE, Ariz. −" (U+2212). Only when a sentence follows and the paragraph ends like one: not
# "NBC — which …" (an appositive) nor "TBD — NCAA … Fieldhouse" (a schedule).
DATELINE_PREFIX = re.compile(
    r"^(?!(?:FILE|TBD|USA TODAY)\b)"
    r"(?P<place>"
    + _CAPS_PLACE
    + r"|[A-Z][\w.'’\-]*(?:,?\s+[A-Z][\w.'’\-]*){0,4}(?=\s*\((?:"
    + OUTLET
    + r")\)))"
    r"\s*(?:\((?P<outlet>" + OUTLET + r")\)\s*)?"
    r"(?:—|–|−|--|(?<=\s)-(?=\s))\s*"
    r"(?=[A-Z0-9\"“‘'(])"
    r"(?=.*[.!?\"”’')]$)"
)
# "(CNN) Actor … has died.", and the "(AP) — …" left when the splitter cut "LINCOLN, Neb." off.
CNN_PAREN = re.compile(r"^\((?P<outlet>CNN(?:\s+Business)?|AP|Reuters)\)\s*(?:[—–-]+\s*)?(?=\S)")
# Sentence level, for indexes built before lines were cleaned: a dateline line glued onto the
# sentence after it ("Kessling, Norway CNN — The …"), every word of the place capitalised.
GLUED_DATELINE = re.compile(
    r"^(?P<place>(?:[A-Z][\w.'’\-]*,?\s+){0,5})?(?P<outlet>CNN(?:\s+Business)?|Reuters|KHN)"
    r"\s*[—–]\s*(?=[A-Z0-9\"“‘'(])"
)
# Sentence level, for such indexes: what is left of "HARBORVIEW, Ore. – The …" once the sentence
# splitter has cut after "Ore." ("– The …"); not a sign-off ("– Devon Ashby": no full stop).
DASH_REMNANT = re.compile(r"^(?:[—–−]|-(?=\s))\s*(?=[A-Z0-9\"“‘'(])(?=.*[.!?\"”’')]$)")

# --------------------------------------------------------------------------------- bylines
_TOK = (
    r"(?:[A-Z][a-zA-Z'’\-]+|[A-Z]\.(?:[A-Z]\.)?|Mc[A-Z][a-z]+|de|van|von|der|da|del|la|le|di|du"
    r"|bin|al|[A-Z][a-z]?[A-Z][a-z]+)"
)
NAME = _TOK + r"(?:\s+" + _TOK + r"){1,3}(?:,?\s+(?:Jr\.|Sr\.|II|III|IV))?"
NAMES = NAME + r"(?:\s*,\s*" + NAME + r")*(?:,?\s+and\s+" + NAME + r")?"
# A news organisation: USA TODAY and the wires, or proper words ending in a newspaper's noun
# ("Harborview Free Press", "The Valley Sun", "The (Kessling) Commercial Appeal").
ORG = (
    r"USA\s?TODAY(?:\s+(?:Network|NETWORK|Sports|Staff|Money))?(?:[-–—\s]+\w+)?|USATODAY"
    r"|(?:The\s+)?Associated\s+Press|AP|CNN|Reuters"
    r"|(?:The\s+)?(?!The\b)[A-Z][\w.&'’\-]*(?:\s+[A-Z(][\w.&'’()\-]*){0,4}\s+"
    r"(?:News\s+Journal|Journal|Press|Times|Post|Republic|Register|Star|Tribune|Gazette|Herald|Sun"
    r"|Courier|Enquirer|Dispatch|Sentinel|Democrat|Network|Bureau|Leader|Advertiser|Appeal|Today"
    r"|TODAY|News|Chronicle|Record|Citizen)"
)
# "Devon Ashby, USA TODAY", "Nora Reed and Paul Marsh, Harborview Free Press" (any line).
BYLINE_ORG = re.compile(
    r"^(?:By\s+)?(?P<names>"
    + NAMES
    + r")\s*(?:,|\||—|–|-| of)\s*(?:the\s+)?(?P<org>"
    + ORG
    + r")\.?$"
)
# "By Nora Reed", "By Iris Cole, Omar Said and Lena Park, CNN" (any line).
BYLINE_BY = re.compile(
    r"^By\s+(?P<names>" + NAMES + r")(?:\s*(?:,|\||/|—|–|-)\s*(?P<org>[^.!?]{2,60}))?$"
)
# Sentence level, for indexes built before lines were cleaned: a byline glued in front of a
# dateline ("Devon Ashby, USA TODAY WASHINGTON – The …"); cut only when a dateline follows.
GLUED_BYLINE = re.compile(
    r"^(?:By\s+)?(?P<names>" + NAMES + r")\s*,?\s*(?P<org>USA\s?TODAY|(?:The\s+)?Associated"
    r"\s+Press)\s+(?=[A-Z])"
)
# Sentence level, for such indexes: that byline and the dateline's place, cut off by the
# splitter from the sentence after them ("Devon Ashby, USA TODAY HARBORVIEW, Ore.").
BYLINE_AND_PLACE = re.compile(GLUED_BYLINE.pattern + _CAPS_PLACE + r"$")
# Names alone ("Marta Quinlan", "Marta Quinlan and Devon Ashby"): a byline on the first line
# only, and only without the words of a heading or an organisation (ORG_WORD, CAPS_STOP).
BYLINE_TOP = re.compile(r"^(?P<names>" + NAMES + r")$")
ORG_WORD = re.compile(
    r"\b(?:The|Press|News|Journal|TODAY|Today|Times|Post|Republic|Register|Star|Tribune|Gazette"
    r"|Herald|Sun|Courier|Enquirer|Dispatch|Sentinel|Democrat|Network|NETWORK|Bureau|Leader"
    r"|Advertiser|Appeal|Chronicle|Record|Citizen|Ledger|Tennessean|Welle|Communications|Staff"
    r"|STAFF|Sports|Wall|Street|Fool|Magazine|Health|Institute|University|Center|Foundation"
    r"|Reports|Editors|Board|Week|Radio|TV|Daily|Online|Media|Writer|Entertainment|Business"
    r"|Events|Information|Awards|Branch|Voice|Talks|Watchdog|Newsroom|Monthly|Perspectives|AP"
    r"|CNN|CNBC|KHN)\b"
)
CAPS_STOP = re.compile(r"\b(?:IN|OF|THE|FOR|TO|ON|AT|A)\b")  # "FIREWORKS SHOWS IN OREGON"
NAME_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
# The outlet or desk under a byline ("USA TODAY", "From USA TODAY Network and wire reports",
# "Special to USA TODAY", "nreed@example.com | @NoraReed"): first four lines only.
AFFILIATION = re.compile(
    r"^(?:(?:[Ss]pecial|Opinion|Guest)\s+(?:to|for|contributors?|columnist|staff)\b.*"
    r"|(?:From\s+)?(?:the\s+)?(?:USA\s?TODAY(?:\s+Network)?|staff)(?:\s+Network)?\s+and\s+wire"
    r"\s+reports"
    r"|(?:From\s+)?staff\s+reports|Staff\s+and\s+wire\s+reports|(?:The\s+)?Editorial\s+Board"
    r"|Editors|Correspondent|Submitted|AP\s+[A-Z][a-z]+\s+Writer|[\w\s]*Staff(?:\s+Writer)?"
    r"|USA\s?TODAY(?:\s+(?:Network|NETWORK|Sports|Staff))?(?:[-–—\s|]+[\w\s]+)?|USATODAY"
    r"|(?:The\s+)?Associated\s+Press"
    r"|AP|CNBC|KHN|Kaiser\s+Health\s+News|24/7\s+Wall\s+St(?:reet|\.)|The\s+Motley\s+Fool"
    r"|NerdWallet(?:\.com)?|SmarterTravel(?:\.com)?|Reviewed(?:\.com)?|Golfweek|GlobalPost"
    r"|Deutsche\s+Welle|(?i:usa\s?today)(?:\s+\w+)*"
    r"|ASSOCIATED PRESS|" + ORG + r"|.{0,40}\|\s*(?:azcentral\.com|USA TODAY NETWORK.*)"
    r"|[\w.\-]+@[\w.\-]+\.\w+(?:\s*\|\s*@\w+)?)$"
)
AFFILIATION_LINES = 4
# A live blog's sign-off: "– Devon Ashby", "— Nora Reed, Associated Press".
SIGNOFF = re.compile(
    r"^[-–—]\s*(?P<names>"
    + NAME
    + r"(?:\s*(?:,|and)\s*"
    + NAME
    + r")*)(?:,\s*(?P<org>"
    + ORG
    + r"))?$"
)

# --------------------------------------------------------------------------------- photo credits
AGENCY = (
    r"(?:Getty\s+Images(?:\s+(?:for|via)\s+[\w .&'’\-]+|\s+Europe|\s+North\s+America"
    r"|\s+Europe/Getty Images.*)?"
    r"|AP|AFP|Reuters|EPA(?:-EFE)?|Bloomberg|Shutterstock|Sipa\s+USA"
    r"|USA\s+TODAY(?:\s+(?:Sports|NETWORK|Network))?"
    r"|Imagn(?:\s+Images|\s+Content\s+Services(?:,\s+LLC)?)?|IMAGN|dpa|ANSA|NurPhoto|SOPA\s+Images"
    r"|LightRocket|ZUMA\s*(?:Press|Wire)|Pool|POOL|CNN|NASA|Alamy|Redux|Polaris|TASS|Xinhua"
    r"|[A-Z]{2,6})"
)
_CTOK = r"(?:[A-Z][\w'’\-]*|[A-Z]\.|de|van|von|da|dos|del|la|le|di)"
# Not after a title ("Oregon Gov. Ann Marsh Lee Hart/AP" keeps "Oregon Gov.").
_ABBR_GUARD = (
    r"(?<!\bGov\.)(?<!\bSen\.)(?<!\bRep\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bMr\.)(?<!\bMs\.)"
    r"(?<!\bJr\.)(?<!\bLt\.)(?<!\bGen\.)(?<!\bU\.S\.)"
)
_ABBR_GUARD_SP = _ABBR_GUARD.replace(r"\.)", r"\.\s)")  # the same, before "Gov. " and a space
_CREDIT = (
    _CTOK
    + r"(?:\s"
    + _CTOK
    + r"){0,3}(?:\s?/\s?[\w&'’\-]+(?:\s[\w&'’\-]+){0,3}){0,3}\s?/\s?"
    + AGENCY
)
# A caption's credit at the end of its paragraph ("… on Wednesday. Lee Hart/AP", "… Credit: a
# viewer's video"), or a paragraph that is only a credit. The credit is cut, the caption kept.
CREDIT_TAIL = re.compile(
    r"(?:(?<=[.!?”\"’)\]])"
    + _ABBR_GUARD
    + r"\s+|^)(?P<credit>"
    + _CREDIT
    + r"|Credit:\s*[^.]{2,60})\s*$"
)
# A gallery's credit between two captions: "… on Friday. Tor Lund/Reuters A man waits …".
CREDIT_MID = re.compile(
    r"(?<=[.!?”\"’)]\s)" + _ABBR_GUARD_SP + r"(?P<credit>" + _CTOK + r"(?:\s" + _CTOK + r"){0,3}"
    r"(?:/[\w&'’\-]+(?:\s[\w&'’\-]+){0,3}){0,3}/(?:Getty Images|AP|AFP|Reuters"
    r"|Bloomberg/Getty Images))\s+(?=[A-Z])"
)
# "(Image credit: Lee Hart/Getty Images)", "(Photo by Sam Reyes/Getty Images)",
# "(AP Photo/Kari Holm)" anywhere in a paragraph: cut.
PAREN_CREDIT = re.compile(
    r"\s*\((?:(?:AP|AFP|Reuters)\s+Photo\s*/|(?:Photo|Image|Photos|Video|Photo illustration)"
    r"(?:\s+credit)?\s*(?::|by))\s*[^)]{2,100}\)",
    IGNORE,
)
# A credit on a line of its own: "(Image credit: Getty Images)", "Courtesy: the family".
CREDIT_LINE = re.compile(
    r"^\(?(?:Photo|Image|Photos|Video|Photo illustration)(?:\s+credit)?\s*(?::|by)\s*[^.]{2,80}"
    r"\)?$"
    r"|^(?:Credit|Courtesy)\s*:\s*[^.]{2,80}$",
    IGNORE,
)
# CNN's video embeds and ad survey: "Video Ad Feedback …", "… 01:33 - Source: CNN".
CNN_VIDEO = re.compile(
    r"^Video Ad Feedback\b|\b\d{1,2}:\d{2} - Source: [A-Z][\w .&]{1,30}$"
    r"|^Video player was slow to load content|^\d\. How relevant is this ad to you\?$"
)

# --------------------------------------------------------------------------------- notes
# "Contributing: The Associated Press", "Additional reporting by …".
CONTRIBUTING = re.compile(
    r"^[-–—\s]*(?:Contributing|Contributors?|Additional reporting(?:\s+by)?)\s*(?::|by)\s*"
    r"(?P<names>.+)$",
    IGNORE,
)
# "– CNN’s Petra Voss contributed to this report."
CONTRIBUTED = re.compile(
    r"^[-–—\s]*(?:(?:CNN|USA TODAY|The Associated Press|AP)[’']s?\s+)?(?P<names>[^.!?]{2,200}?)"
    r"\s+contributed\s+(?:to\s+)?(?:this|the)\s+(?:report(?:ing)?|story|article|post)\.?$",
    IGNORE,
)
# "This story has been updated with …", "This article was originally published on …".
UPDATED_NOTE = re.compile(
    r"^(?:\(|\[)?(?:This|The)\s+(?:story|article|post|report|page|piece)\s+"
    r"(?:has\s+been|was|is|will\s+be)\s+"
    r"(?:updated|corrected|originally\s+published|first\s+published)\b",
    IGNORE,
)
# Any editor's note: detected, never dropped (97% boilerplate: some carry news, such as a
# patient's recovery added on top of a story).
EDITORS_NOTE = re.compile(
    r"^(?:Editor[’']?s?[’']?\s+note|Note\s+from\s+the\s+editor)\s*[:.—–-]", IGNORE
)
# The editor's notes that speak about the article or its writer (views, versions, bios): dropped.
EDITORS_NOTE_META = re.compile(
    r"^(?:Editor[’']?s?[’']?\s+note|Note\s+from\s+the\s+editor)\s*[:.—–-]\s*"
    r"(?=.*(?:views\s+expressed|opinions\s+expressed|version\s+of\s+this\s+(?:story|article)"
    r"|lite\s+site|text-only|recaps\s+the\s+news|is\s+based\s+on\s+the\s+news|sign\s+up|newsletter"
    r"|spoilers?|originally\s+(?:published|ran|appeared)|first\s+published|(?:has\s+been|was)\s+"
    r"updated|\b(?:is|was)\s+(?:a|an|the|CNN[’']s)\s[^.]{0,150}(?:professor|author|writer"
    r"|journalist|contributor|analyst|correspondent|editor|fellow|director|host|commentator"
    r"|columnist|lawyer|attorney|scholar|historian|physician|researcher|economist|reporter"
    r"|anchor)))",
    IGNORE,
)
# Sentence level: "Correction: An earlier version of this story misstated …" (the sentence after
# it, "It was Tuesday.", is the fact and stays).
CORRECTION_SENT = re.compile(
    r"^(?:(?:Correction|Clarification)s?\b(?:\s*,[^:]{0,40})?\s*:\s*)?(?:An?|The)\s+"
    r"(?:earlier|previous|prior)\s+version(?:s)?\s+of\s+this\s+"
    r"(?:story|article|report|post|column|editorial)\b[^.]*\."
    r"|^(?:Correction|Clarification)s?\b(?:\s*,[^:]{0,40})?\s*:\s*This\s+(?:story|article)\s+"
    r"(?:has\s+been|was)\s+(?:updated|corrected)\b[^.]*\.",
    IGNORE,
)

# --------------------------------------------------------------------------------- promotion
# Sentence level: newsletters, follow-us, apps, "support local journalism", "USA TODAY ON
# TELEGRAM". A bare "Sign up" needs a newsletter-like word after it ("Sign up at the library to
# reserve a seat" is news).
PROMO = re.compile(
    r"^(?:(?:Sign\s+up|Subscribe)\b[^.]{0,80}\b(?:newsletters?|our|alerts\s+from|dispatch"
    r"|OnPolitics|podcast|USA\s+TODAY|CNN|The\s+Week)\b"
    r"|Follow\s+(?:us\b|every\b|[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){0,2}\s+on\s+"
    r"(?:Twitter|Facebook|Instagram|X|Threads))"
    r"|Get\s+(?:the|our|CNN|'5|USA TODAY)[^.]{0,40}(?:newsletter|in\s+your\s+inbox)|Read\s+more\b"
    r"|Download\s+the\s+(?:app|USA TODAY app)"
    r"|Support\s+(?:local\s+|our\s+|strong\s+local\s+)?journalism"
    r"|Thank\s+you\s+for\s+supporting\s+our\s+journalism|Never\s+miss\s+a\s+story"
    r"|Stay\s+in\s+the\s+conversation|Start\s+the\s+day\s+smarter"
    r"|What['’]s\s+everyone\s+talking\s+about\?|Listen\s+to\s+(?:the|our)\s+\w+\s+podcast)"
    r"|\bUSA TODAY ON (?:TELEGRAM|WHATSAPP|FACEBOOK|INSTAGRAM|TWITTER)\b"
    r"|\bsign\s+up\s+(?:here\s+)?(?:for|to\s+get|to\s+receive)\b[^.]{0,80}\bnewsletter"
    r"|\bnewsletter\b[^.]{0,60}\bsign\s+up\b"
    r"|\b(?:subscribe|sign\s+up)\s+(?:here|now|today|right\s+here)\b"
    r"|^(?:NEWSLETTER|SPORTS NEWSLETTER|STAY UP-TO-DATE)\s*:",
    IGNORE,
)
# Sentence level: content partners, grants, affiliate links, "Prices were accurate …".
DISCLOSURE = re.compile(
    r"(?:supported\s+in\s+part\s+by\s+a\s+grant|made\s+possible\s+in\s+part\s+by\s+a\s+grant"
    r"|is\s+a\s+USA\s+TODAY\s+content\s+partner|Prices\s+were\s+accurate\s+at\s+the\s+time"
    r"|independently\s+chosen\s+by\s+Reviewed|Purchases\s+you\s+make\s+through\s+our\s+links"
    r"|may\s+earn\s+(?:us\s+)?a\s+commission"
    r"|This\s+transcript\s+was\s+automatically\s+generated|Hit\s+play\s+on\s+the\s+player\s+above"
    r"|is\s+a\s+snappy\s+USA\s+TODAY|These\s+articles\s+are\s+for\s+USA\s+TODAY\s+subscribers"
    r"|Check\s+your\s+local\s+forecast\s+here"
    r"|Its\s+content\s+is\s+produced\s+independently\s+of\s+USA\s+TODAY"
    r"|Thank\s+you\s+for\s+supporting\s+our\s+journalism"
    r"|USA\s+TODAY\s+ON\s+(?:TELEGRAM|WHATSAPP)"
    r"|^A\s+version\s+of\s+this\s+(?:story|article)\s+(?:first\s+|originally\s+)?appear(?:ed|s)"
    r"\s+in\b)",
    IGNORE,
)
# How to reach the writer ("Reach her at …@…", "Jane Roe covers courts for … Follow her …").
# A police appeal ("… should contact Detective …") does not match: it names no address.
AUTHOR_CONTACT = re.compile(
    r"^(?:(?:Contact|Reach|Email|Follow)(?:\s+(?:us|the\s+reporter|him|her|them))?\b(?!:\s*[\d(])"
    r"|Call\s+(?:\w+\s+){0,2}reporter\b)[^.]{0,80}"
    r"(?:@|\(?\d{3}\)?[\s.-]\d{3}-\d{4}|\bon\s+(?:Twitter|X|Facebook|Instagram))"
    r"|^[A-Z][\w.'’\-]*(?:\s+[A-Z][\w.'’\-]*){1,3}\s+(?:is\s+(?:a|an|the)\s+[^.]{0,120}?"
    r"(?:reporter|writer|editor|correspondent|columnist|journalist|producer|critic|intern|fellow)"
    r"|covers|writes)\b[^\n]*(?:\b(?:Reach|Contact|email|e-mail|Follow)\b|@[\w.]+)"
)
# "Story continues below", "Advertisement", "Continue reading".
STORY_CONTINUES = re.compile(
    r"^[\[(]?\s*(?:The\s+)?story\s+continues\s+(?:below|after|beneath)\b[^.]{0,30}\.?\s*[\])]?$"
    r"|^Advertisement$|^ADVERTISEMENT$|^Continue reading\b",
    IGNORE,
)
STORY_CONTINUES_TAIL = re.compile(r"\s*\(story continues below\)$", IGNORE)  # cut from the end
# A link's call to action: "Read the full decision here.", "For the latest updates, click here."
LINK_CTA = re.compile(
    r"^(?:(?:Read|See|Watch|Listen\s+to|View|Find|Get|Check\s+out|Click|Tap)\b[^.!?]{0,80}"
    r"\b(?:here|below|above)"
    r"|For\s+(?:the\s+)?(?:full|complete|latest)\s+[^.!?]{0,40}\b(?:here|go\s+here|click\s+here))"
    r"\s*[.!]?\s*$",
    IGNORE,
)
# The Week's newsletter consent block.
WEEK_CONSENT = re.compile(
    r"^(?:We will use the (?:details|information) you have shared"
    r"|If you wish to object to the use of your data|['‘]We['’] includes The Week"
    r"|Would you like to receive The WeekDay newsletter|The WeekDay newsletter provides"
    r"|Subscribe to The Week\b)"
)

# --------------------------------------------------------------------------------- related links
# A labelled link to another story: "More: …", "Related: …", "READ: …", "From 2022: …".
RELATED_LABEL = re.compile(
    r"^(?:More|Read\s+more|Related(?:\s+(?:stories|story|content|coverage|link))?|See\s+also"
    r"|Also\s+read|You\s+may\s+like|ICYMI|Previously|Must\s+read|Don['’]t\s+miss|Recommended"
    r"|Watch|Listen|More\s+on\s+this(?:\s+story)?|STORY|READ|Read\s+the\s+(?:full\s+)?story"
    r"|From\s+(?:19|20)\d\d)\s*:\s*(?P<headline>\S.*)$",
    IGNORE,
)
# USA TODAY's inline link, its colon glued to the headline: "'It was personal':Chef feeds the
# whole team". Five to 25 words after the colon: shorter ones are fact boxes ("Where to
# watch:HBO Max"), longer ones roundup entries ("Portland:The city's airport …"); no bullet.
GLUED_LINK = re.compile(
    r"^(?![•·*►])(?P<label>[^:()\n]{1,80}?[^\s:\d(]):(?=[A-Z'\"“‘0-9])"
    r"(?P<headline>(?:\S+\s+){4,24}\S+)$"
)
# Promotional hubs in capitals: "NFL STATS CENTRAL: …", "FOLLOW THE MONEY: …".
CAPS_PROMO = re.compile(
    r"^(?:[A-Z0-9'’&\-]+\s+){1,5}(?:CENTRAL|UPDATES|NEWSLETTER)\s*:"
    r"|^(?:Follow\s+every\s+game|FOLLOW THE MONEY|TODAY IN THE SKY|Live\s+Leaderboard)\b[^:]{0,30}:"
)
# Separators and page furniture: "___", "***", "UP NEXT", "More news to know now".
DEBRIS = re.compile(r"^(?:_{2,}|\*{3,}|-{3,}|—+|♦+|•+|UP NEXT|More news to know now)$")
