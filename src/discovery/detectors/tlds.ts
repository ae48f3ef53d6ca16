/**
 * A public-suffix-ish list of top-level domains: the original generic TLDs, common new
 * gTLDs and every ISO 3166-1 alpha-2 country-code TLD (plus `uk`, `eu`, `ac`). It is not
 * the full Public Suffix List; it exists to tell `example.com` from `file.txt` or `e.g`.
 */
const GENERIC = [
  'com',
  'org',
  'net',
  'edu',
  'gov',
  'mil',
  'int',
  'info',
  'biz',
  'name',
  'pro',
  'aero',
  'coop',
  'museum',
  'mobi',
  'asia',
  'tel',
  'travel',
  'jobs',
  'cat',
  'xxx',
  'app',
  'dev',
  'io',
  'ai',
  'cloud',
  'online',
  'site',
  'tech',
  'store',
  'shop',
  'blog',
  'xyz',
  'top',
  'club',
  'live',
  'news',
  'email',
  'page',
  'web',
  'art',
  'design',
  'agency',
  'media',
  'digital',
  'network',
  'systems',
  'solutions',
  'services',
  'company',
  'group',
  'global',
  'world',
  'today',
  'life',
  'space',
  'website',
  'health',
  'bank',
  'insurance',
  'law',
]

// ISO 3166-1 alpha-2 codes in use as ccTLDs, written compactly.
const COUNTRY = (
  'ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br ' +
  'bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do ' +
  'dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt ' +
  'gu gw gy hk hm hn hr ht hu id ie il im in iq ir is it je jm jo jp ke kg kh ki km kn kp ' +
  'kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ' +
  'ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pl pm ' +
  'pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st sv ' +
  'sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg ' +
  'vi vn vu wf ws ye yt za zm zw ac'
).split(' ')

/** Lower-case TLDs recognised by the domain and URL detectors. */
export const KNOWN_TLDS: ReadonlySet<string> = new Set([...GENERIC, ...COUNTRY])
