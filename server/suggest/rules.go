package suggest

// Confidences: how often a rule of this shape was right on the
// evaluation set, rounded down, and lower for weaker evidence.
const (
	confQuoteNamed   = 0.9  // quote, cue and a named source next to it
	confQuoteNoSrc   = 0.6  // quote and cue, no source found
	confContinuation = 0.75 // a quote continuing the one before ("…," she said. "…")
	confPrefix       = 0.75 // According to X, …
	confThat         = 0.7  // X said that …
	confComma        = 0.6  // X sagte, … (German)
)

// direct suggests quoted speech: a quote with a cue and a source after it
// ("…," said X / "…," X said / „…“, sagte X / «…», — заявил X) or before
// it (X said: "…" / Она сказала: «…»), or continuing an attributed quote.
func (s *suggester) direct(qs []quote) {
	type attributed struct {
		closeTok  int
		cue, src  tokRange
		hasSource bool
	}
	var prev *attributed
	for _, q := range qs {
		content := s.trimmed(q.open+1, q.close)
		openTok := s.firstTokAfter(q.open)
		closeTok := s.firstTokAfter(q.close)
		if s.wordsIn(content) < 2 {
			prev = nil
			continue
		}
		if cue, src, has, ok := s.afterQuote(closeTok); ok {
			s.emit(RuleQuotes, pick(has, confQuoteNamed, confQuoteNoSrc), content, cue, src, has)
			prev = &attributed{closeTok, cue, src, has}
			continue
		}
		if cue, src, has, ok := s.beforeQuote(openTok, s.endsSentence(content)); ok {
			s.emit(RuleQuotes, pick(has, confQuoteNamed, confQuoteNoSrc), content, cue, src, has)
			prev = &attributed{closeTok, cue, src, has}
			continue
		}
		// "…," Grant said. "…": the cue of the quote before sits between them
		if prev != nil && openTok-prev.closeTok <= 12 && prev.cue.s > prev.closeTok && prev.cue.e <= openTok &&
			s.d.paraOf[prev.closeTok] == s.d.paraOf[openTok] {
			s.emit(RuleQuotes, confContinuation, content, prev.cue, prev.src, prev.hasSource)
			prev.closeTok = closeTok
			continue
		}
		prev = nil
	}
}

// endsSentence: the quoted words end with a full stop, ! or ?.
func (s *suggester) endsSentence(sp Span) bool {
	if sp.End <= sp.Start {
		return false
	}
	switch s.d.r[sp.End-1] {
	case '.', '!', '?', '…':
		return true
	}
	return false
}

func pick(c bool, a, b float64) float64 {
	if c {
		return a
	}
	return b
}

// afterQuote reads ", said X" / ", X said" / ", — заявил X" after the
// closing mark (token c).
func (s *suggester) afterQuote(c int) (cue, src tokRange, has, ok bool) {
	t := s.d.toks
	i := c + 1
	for i < len(t) && s.samePara(c, i) && (t[i].text == "," || t[i].text == "—" || t[i].text == "–" || t[i].text == "-") {
		i++
	}
	if i >= len(t) || !s.samePara(c, i) {
		return
	}
	if e, isCue := s.cueAt(i, true); isCue {
		cue = tokRange{i, e}
		if e < len(t) && (t[e].lower == "в" || t[e].lower == "во") && t[i].lower == "говорится" {
			e++
		}
		src, has = s.npForward(e)
		return cue, src, has, true
	}
	if np, found := s.npForward(i); found {
		if e, isCue := s.cueAt(np.e, true); isCue && s.samePara(i, np.e) {
			return tokRange{np.e, e}, np, true, true
		}
	}
	return
}

// beforeQuote reads "X said:" / "X sagte:" / "Она сказала:" before the
// opening mark (token o).
// Without a colon or comma before the mark, the quote must be a whole
// sentence: in `X said "so-called reforms" failed` it is a phrase.
func (s *suggester) beforeQuote(o int, wholeSentence bool) (cue, src tokRange, has, ok bool) {
	t := s.d.toks
	j := o - 1
	if j < 0 || !s.samePara(j, o) {
		return
	}
	if t[j].text == ":" || t[j].text == "," {
		j--
	} else if !wholeSentence {
		return
	}
	for k := j; k >= 0 && k >= j-2 && s.d.sentOf[k] == s.d.sentOf[j]; k-- {
		if e, isCue := s.cueAt(k, false); isCue && e > j-1 {
			src, has = s.npBackward(k)
			return tokRange{k, e}, src, has, true
		}
		if !t[k].word {
			break
		}
	}
	return
}

// indirect suggests reported speech, one per sentence without quotation
// marks: According to X, … / Laut X … / По словам X, …; X said (…) that
// …; X sagte, … (German).
func (s *suggester) indirect(qs []quote) {
	t := s.d.toks
	for a := 0; a < len(t); {
		b := a
		for b < len(t) && s.d.sentOf[b] == s.d.sentOf[a] {
			b++
		}
		if !s.hasQuote(qs, t[a].start, t[b-1].end) {
			s.sentence(a, b)
		}
		a = b
	}
}

func (s *suggester) hasQuote(qs []quote, from, to int) bool {
	for _, q := range qs {
		if q.open < to && q.close >= from {
			return true
		}
	}
	return false
}

// clauseEnd is where a reported clause ending the sentence [a, b) ends:
// before the final punctuation.
func (s *suggester) clauseEnd(a, b int) int {
	t := s.d.toks
	e := b - 1
	for e > a && !t[e].word && (t[e].text == "." || t[e].text == "!" || t[e].text == "?" || t[e].text == "…") {
		e--
	}
	return t[e].end
}

func (s *suggester) sentence(a, b int) {
	t := s.d.toks
	end := s.clauseEnd(a, b)
	// According to X, … / Laut X …
	if e, ok := s.prefixCueAt(a); ok && e < b {
		cue := tokRange{a, e}
		for k := e; k < b && k <= e+9; k++ {
			if t[k].text == "," && k > e {
				content := s.trimmed(t[k].end, end)
				if s.wordsIn(content) >= 3 {
					s.emit(RuleIndirect, confPrefix, content, cue, tokRange{e, k}, true)
				}
				return
			}
		}
		if src, ok := s.germanNP(e, b); ok && src.e < b {
			content := s.trimmed(t[src.e].start, end)
			if s.wordsIn(content) >= 3 {
				s.emit(RuleIndirect, confPrefix, content, cue, src, true)
			}
		}
		return
	}
	for k := a; k < b; k++ {
		e, isCue := s.cueAt(k, false)
		if !isCue {
			continue
		}
		// X said (on Monday) that …
		for m := e; m < b && m <= e+5; m++ {
			if t[m].word && thatWords[t[m].lower] {
				src, has := s.npBackward(k)
				if !has {
					if src, has = s.npForward(e); has && src.e > m {
						has = false
					}
				}
				content := s.trimmed(t[m].end, end)
				if has && s.wordsIn(content) >= 3 {
					s.emit(RuleIndirect, confThat, content, tokRange{k, e}, src, true)
				}
				return
			}
			if !t[m].word && t[m].text != "," {
				break
			}
		}
		// Der Minister sagte, …
		if s.d.lang == "de" && e < b && t[e].text == "," {
			src, has := s.npBackward(k)
			content := s.trimmed(t[e].end, end)
			if has && s.wordsIn(content) >= 3 {
				s.emit(RuleIndirect, confComma, content, tokRange{k, e}, src, true)
			}
			return
		}
	}
}

// germanNP reads the source after "Laut" / "Nach Angaben", which has no
// comma after it: a determiner, capitalised words, and "für"/"der"/"des"
// joining more of them; the finite verb (lower-case) ends it.
func (s *suggester) germanNP(i, b int) (tokRange, bool) {
	t := s.d.toks
	j := i
	if j < b && t[j].word && determiners[t[j].lower] {
		j++
	}
	n := 0
	for j < b && t[j].word && n < 6 {
		switch {
		case capitalised(t[j].text):
			j++
			n++
		case genitiveCut[t[j].lower] && j+1 < b && t[j+1].word && (capitalised(t[j+1].text) || determiners[t[j+1].lower]):
			j++
		case determiners[t[j].lower] && j+1 < b && t[j+1].word && capitalised(t[j+1].text):
			j++
		default:
			return tokRange{i, j}, n > 0
		}
	}
	return tokRange{i, j}, n > 0
}
