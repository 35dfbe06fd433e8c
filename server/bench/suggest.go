package main

// 10. Suggestions: POST /projects/{id}/suggestions?kind=attributed_claim
// over 10,000 news-like articles of about 5 KB (English, German and
// Russian, 3 to 8 attributed claims each), request → last byte through
// `slant serve` with GOMAXPROCS=2, on a fresh project (the first run
// writes every suggestion through the span and relation writers) and
// again (the re-run finds them all stored and writes nothing). The
// baseline is the floor of any such run: the suggester alone
// (suggest.Suggest) over the same texts on two goroutines in this
// process, with no database. The target is absolute: under 10 s
// on 2 cores.
//
// The articles go in through the store's bulk article path
// (CreateArticles, 500 per call) before the server starts.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"slant/models"
	"slant/server/suggest"
)

// newsLang is what the generator writes in one language: filler words
// (none of them a reporting cue), place names, sources and the claim
// templates ({Q} a quoted sentence, {S} a source, {C} a clause).
type newsLang struct {
	tag       string
	words     []string
	places    []string
	sources   []string
	templates []string
}

var newsLangs = []newsLang{
	{tag: "en",
		words: strings.Fields(`the a of and in to for on with from by at as was were is are has had new port harbour council budget
			energy grid prices talks border railway ferry plan project contract workers union wages housing market exports
			bank farmers drought water supply city region government ministry week month year last next local national
			officials residents companies investors roads bridge schools hospital tax reform law court protest vote election
			early late quickly slowly still already more less than about around nearly over under between during after before`),
		places:  strings.Fields(`Rotterdam Gdansk Valencia Tallinn Porto Lyon Bremen Trieste Odessa Riga Malmo Bilbao`),
		sources: []string{"Maria Lopez", "John Harper", "the finance minister", "Anna Kowalski", "a police spokesman", "Peter Lindqvist", "the mayor", "Sarah O'Neill", "the union leader Tom Reid"},
		templates: []string{
			`“{Q},” {S} said.`,
			`"{Q}," said {S}.`,
			`{S} said that {C}.`,
			`According to {S}, {C}.`,
			`{S} told reporters: “{Q}.”`,
			`“{Q},” {S} warned on Tuesday.`,
			`{S} insisted that {C}.`,
		}},
	{tag: "de",
		words: strings.Fields(`der die das und in im mit von für auf an dem den des ein eine einer neue Hafen Rat Haushalt Energie Netz Preise
			Gespräche Grenze Bahn Fähre Plan Projekt Vertrag Arbeiter Gewerkschaft Löhne Wohnungen Markt Export Bank Bauern
			Dürre Wasser Stadt Region Regierung Ministerium Woche Monat Jahr letzte nächste Behörden Bewohner Firmen Anleger
			Straßen Brücke Schulen Klinik Steuer Reform Gesetz Gericht Protest Wahl früh spät schnell langsam noch bereits mehr
			weniger etwa rund fast über unter zwischen während wurde wurden ist sind hat hatte`),
		places:  strings.Fields(`Hamburg Bremen Leipzig Dresden Kiel Rostock Mainz Passau Linz Graz Basel Freiburg`),
		sources: []string{"Klaus Weber", "die Ministerin", "Sabine Krüger", "ein Sprecher der Polizei", "der Bürgermeister", "Jonas Hartmann", "Petra Vogel"},
		templates: []string{
			`„{Q}“, sagte {S}.`,
			`»{Q}«, erklärte {S}.`,
			`Laut {S} {C}.`,
			`{S} betonte, dass {C}.`,
			`„{Q}“, so {S}.`,
			`{S} sagte: „{Q}.“`,
		}},
	{tag: "ru",
		words: strings.Fields(`в на и с по для из от о к у за порт совет бюджет энергия сеть цены переговоры граница железная дорога паром
			план проект контракт рабочие профсоюз зарплаты жильё рынок экспорт банк фермеры засуха вода город регион правительство
			министерство неделя месяц год прошлый следующий местные власти жители компании инвесторы дороги мост школы больница
			налог реформа закон суд протест выборы рано поздно быстро медленно ещё уже больше меньше около почти между после
			до был были было является`),
		places:  strings.Fields(`Калининград Новгород Самара Казань Тверь Пермь Омск Томск Иркутск Сочи Псков Ярославль`),
		sources: []string{"Иван Петров", "министр финансов", "Анна Смирнова", "представитель полиции", "мэр города", "Сергей Волков", "Ольга Кузнецова"},
		templates: []string{
			`«{Q}», — заявил {S}.`,
			`По словам {S}, {C}.`,
			`{S} сообщил, что {C}.`,
			`«{Q}», — сказала {S}.`,
			`{S} подчеркнул: «{Q}».`,
		}},
}

// newsWords is n filler words, now and then a place name.
func (l *newsLang) newsWords(rng *rand.Rand, n int) string {
	ws := make([]string, n)
	for i := range ws {
		if rng.Intn(9) == 0 {
			ws[i] = l.places[rng.Intn(len(l.places))]
		} else {
			ws[i] = l.words[rng.Intn(len(l.words))]
		}
	}
	return strings.Join(ws, " ")
}

func capFirst(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// newsArticle is an article of about size bytes with claims attributed
// claims spread over its paragraphs.
func newsArticle(rng *rand.Rand, l *newsLang, size, claims int) string {
	lines := make([]string, claims)
	for c := range lines {
		t := l.templates[rng.Intn(len(l.templates))]
		t = strings.ReplaceAll(t, "{Q}", capFirst(l.newsWords(rng, 8+rng.Intn(12))))
		t = strings.ReplaceAll(t, "{C}", l.newsWords(rng, 8+rng.Intn(10)))
		src := l.sources[rng.Intn(len(l.sources))]
		if strings.HasPrefix(t, "{S}") {
			src = capFirst(src)
		}
		lines[c] = strings.ReplaceAll(t, "{S}", src)
		size -= len(lines[c]) + 1
	}
	var paras [][]string
	for bytes := 0; bytes < size; bytes += 2 {
		var p []string
		for k := 3 + rng.Intn(3); k > 0 && bytes < size; k-- {
			s := capFirst(l.newsWords(rng, 10+rng.Intn(15))) + "."
			p = append(p, s)
			bytes += len(s) + 1
		}
		paras = append(paras, p)
	}
	for _, t := range lines {
		p := rng.Intn(len(paras))
		at := rng.Intn(len(paras[p]) + 1)
		paras[p] = append(paras[p][:at], append([]string{t}, paras[p][at:]...)...)
	}
	out := make([]string, len(paras))
	for i, p := range paras {
		out[i] = strings.Join(p, " ")
	}
	return strings.Join(out, "\n\n")
}

// newsCorpus is n articles in the three languages, 3-8 claims each.
func newsCorpus(seed int64, n int) []models.ArticleIn {
	rng := rand.New(rand.NewSource(seed))
	out := make([]models.ArticleIn, n)
	for i := range out {
		l := &newsLangs[i%len(newsLangs)]
		out[i] = models.ArticleIn{Title: fmt.Sprintf("News %d", i), Language: l.tag,
			Text: newsArticle(rng, l, 5000, 3+rng.Intn(6))}
	}
	return out
}

func benchSuggest(cfg Config, dir, slantBin, self string, res *Results) error {
	n := 10_000
	if cfg.Duration < time.Second {
		n = 300
	}
	fmt.Fprintf(os.Stderr, "  suggest: %d articles...\n", n)
	path := filepath.Join(dir, "suggest.db")
	fx, err := newFixture(path)
	if err != nil {
		return err
	}
	ctx := context.Background()
	corpus := newsCorpus(10, n)
	t0 := time.Now()
	var textBytes int
	for i := 0; i < n; i += 500 {
		if _, err := fx.store.CreateArticles(ctx, fx.project, corpus[i:min(n, i+500)]); err != nil {
			return err
		}
	}
	for _, a := range corpus {
		textBytes += len(a.Text)
	}
	took := time.Since(t0)
	fx.store.Close()

	// the baseline: the suggester alone on two goroutines
	prev := runtime.GOMAXPROCS(2)
	var base, baseCPU time.Duration
	var found int
	for rep := 0; rep < 3; rep++ { // the best of three
		c0 := selfCPU()
		t0 := time.Now()
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := w; i < n; i += 2 {
					counts[w] += len(suggest.Suggest(corpus[i].Text, corpus[i].Language))
				}
			}(w)
		}
		wg.Wait()
		if d := time.Since(t0); rep == 0 || d < base {
			base, baseCPU = d, selfCPU()-c0
		}
		found = counts[0] + counts[1]
	}
	runtime.GOMAXPROCS(prev)

	load, _ := os.ReadFile("/proc/loadavg") // the machine may be shared
	srv, err := startEnv(slantBin, []string{"GOMAXPROCS=2"}, "serve", "--db", path)
	if err != nil {
		return err
	}
	defer srv.stop()
	type runOut struct {
		Articles int `json:"articles"`
		Created  int `json:"created"`
		Existing int `json:"existing"`
		Skipped  int `json:"skipped"`
	}
	var took2, cpu [2]time.Duration
	var outs [2]runOut
	for pass := range 2 {
		u := fmt.Sprintf("%s/api/v1/projects/%d/suggestions?kind=attributed_claim", srv.url, fx.project)
		c0 := srv.cpuTime()
		t0 := time.Now()
		st, body, err := do("POST", u, fx.token, nil)
		took2[pass] = time.Since(t0)
		cpu[pass] = srv.cpuTime() - c0
		if err != nil {
			return err
		}
		if st != 200 {
			return fmt.Errorf("POST %s: %d %.300s", u, st, body)
		}
		if err := json.Unmarshal(lastLine(body), &outs[pass]); err != nil {
			return fmt.Errorf("POST %s: %w in %.300s", u, err, body)
		}
	}
	if outs[0].Articles != n || outs[0].Created == 0 || outs[1].Created != 0 || outs[1].Existing != outs[0].Created+outs[0].Existing {
		return fmt.Errorf("suggest runs: %+v then %+v over %d articles", outs[0], outs[1], n)
	}
	sec := func(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }
	res.add(Row{Figure: fmt.Sprintf("10. suggestions over %s articles × 5 KB, first run", sizeName(n)),
		Slant:    fmt.Sprintf("%s, CPU %s (%d claims)", sec(took2[0]), sec(cpu[0]), outs[0].Created),
		Baseline: fmt.Sprintf("%s, CPU %s (suggester alone, %d found)", sec(base), sec(baseCPU), found),
		Ratio:    float64(took2[0]) / float64(base), Target: "< 10 s", Pass: n < 10_000 || took2[0] < 10*time.Second,
		Note: fmt.Sprintf("POST /projects/{id}/suggestions over %d news-like articles (%.1f MB; English, German, Russian; 3-8 attributed claims each "+
			"in the languages' quote conventions, reported speech and 'according to'), request → last byte through `slant serve` with GOMAXPROCS=2 "+
			"on a fresh project, then the same request again (it finds every claim stored and writes nothing); CPU is the server process's user+system time "+
			"during the request (steadier than the wall time on a shared machine). Baseline: suggest.Suggest alone over "+
			"the same texts on two goroutines in the bench process (no database, best of three). Articles loaded with CreateArticles in %s. "+
			"Load average before the runs: %s.", n, float64(textBytes)/1e6, took.Round(time.Millisecond), strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))})
	res.add(Row{Figure: fmt.Sprintf("10b. suggestions over %s articles, re-run (nothing new)", sizeName(n)),
		Slant:    fmt.Sprintf("%s, CPU %s (%d existing)", sec(took2[1]), sec(cpu[1]), outs[1].Existing),
		Baseline: sec(base), Ratio: float64(took2[1]) / float64(base), Target: "< 10 s", Pass: n < 10_000 || took2[1] < 10*time.Second})
	return nil
}

// lastLine is the last non-empty line of body (a streamed run ends with
// its summary).
func lastLine(body []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	return []byte(lines[len(lines)-1])
}

// startEnv is start with extra environment variables for the server.
func startEnv(bin string, env []string, args ...string) (*proc, error) {
	old := map[string]*string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if prev, ok := os.LookupEnv(k); ok {
			old[k] = &prev
		} else {
			old[k] = nil
		}
		os.Setenv(k, v)
	}
	defer func() {
		for k, v := range old {
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
	}()
	return start(bin, args...)
}

// cpuTime is the process's user+system CPU time so far.
func (p *proc) cpuTime() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	return statCPU(string(b))
}

// selfCPU is this process's user+system CPU time so far.
func selfCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	return statCPU(string(b))
}

// statCPU reads utime+stime (clock ticks of 1/100 s on Linux) from a
// /proc/<pid>/stat line.
func statCPU(stat string) time.Duration {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}
