// Package corpus generates deterministic source-like text with planted
// secrets, for benchmarks and throughput runs.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var words = strings.Fields(`the a to of and in is for on with as by at from this that it be are or not
data value result error config client server request response handler context user name id list map
item index count size buffer reader writer stream file path dir node tree graph key token secret password
api auth session cache store query table row column field type struct func return if else for range
string int bool byte slice channel lock mutex wait group time duration timeout retry backoff log debug
info warn metric trace span event message queue topic publish subscribe http url host port address
parse format encode decode marshal unmarshal json yaml toml xml hash digest sum check verify validate`)

var idents = strings.Fields(`userID accessKey tokenCount secretName passwordField apiClient authHeader
sessionStore cacheKey keyName tokenizer keyboard monkey primaryKey foreignKey sortKey partitionKey
configPath dataDir requestID responseCode handlerFunc contextKey bufferSize readTimeout writeTimeout`)

// alnum is the alphabet of random tokens.
const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func Random(r *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// Secret returns a planted secret line and the family it belongs to.
func Secret(r *rand.Rand) (string, string) {
	switch r.IntN(6) {
	case 0:
		return fmt.Sprintf(`AWS_ACCESS_KEY_ID=AKIA%s`, Random(r, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")), "aws"
	case 1:
		return fmt.Sprintf(`slack_token = "xoxb-%d-%d-%s"`, 1000000000+r.IntN(1e9), 1000000000+r.IntN(1e9), Random(r, 24, alnum)), "slack"
	case 2:
		return fmt.Sprintf(`stripe.api_key = "sk_live_%s"`, Random(r, 24, alnum)), "stripe"
	case 3:
		return fmt.Sprintf(`DATABASE_URL=postgres://app:%s@db.internal:5432/prod`, Random(r, 16, alnum)), "postgres"
	case 4:
		return fmt.Sprintf(`"gitlab_token": "glpat-%s"`, Random(r, 20, alnum)), "gitlab"
	default:
		return fmt.Sprintf(`db_password: "%s"`, Random(r, 20, alnum)), "generic"
	}
}

// Line returns one line of source-like text in the style of ext
// (".go", ".py", ".yaml", ".json", ".md", ".env"; others look like Go).
func Line(r *rand.Rand, ext string) string {
	w := func() string { return words[r.IntN(len(words))] }
	id := func() string { return idents[r.IntN(len(idents))] }
	switch ext {
	case ".yaml":
		return fmt.Sprintf("%s%s_%s: %s %s", strings.Repeat("  ", r.IntN(4)), w(), w(), w(), w())
	case ".json":
		return fmt.Sprintf(`  "%s_%s": "%s %s %d",`, w(), w(), w(), w(), r.IntN(100000))
	case ".md":
		return fmt.Sprintf("%s %s %s %s %s %s %s %s.", w(), w(), w(), w(), w(), w(), w(), w())
	case ".env":
		return fmt.Sprintf("%s_%s=%s", strings.ToUpper(w()), strings.ToUpper(w()), w())
	case ".py":
		return fmt.Sprintf("%s%s = %s.%s(%s, %q)", strings.Repeat("    ", r.IntN(3)), id(), w(), w(), id(), w())
	}
	switch r.IntN(8) {
	case 0:
		return fmt.Sprintf("\t// %s %s %s %s %s %s", w(), w(), w(), w(), w(), w())
	case 1:
		return fmt.Sprintf("\tif %s != nil { return %s.%s(%s) }", id(), w(), w(), id())
	case 2:
		return fmt.Sprintf("\t%s := %s.%s(%q, %d)", id(), w(), w(), w()+"-"+w(), r.IntN(1000))
	case 3:
		return fmt.Sprintf("func %s%s(%s %s) (%s, error) {", w(), title(w()), id(), w(), w())
	case 4:
		return fmt.Sprintf("\tsum := %q // sha256", Random(r, 64, "0123456789abcdef"))
	case 5:
		return fmt.Sprintf("\t%s[%q] = %s", id(), w(), id())
	case 6:
		return "}"
	default:
		return fmt.Sprintf("\t%s = append(%s, %s{%s: %d})", id(), id(), w(), w(), r.IntN(99))
	}
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Text returns about size bytes of source-like text in the style of ext,
// with a planted secret every ~2000 lines when withSecrets is set.
func Text(r *rand.Rand, ext string, size int, withSecrets bool) []byte {
	var b strings.Builder
	for b.Len() < size {
		if withSecrets && r.IntN(2000) == 0 {
			s, _ := Secret(r)
			b.WriteString(s)
		} else {
			b.WriteString(Line(r, ext))
		}
		b.WriteByte('\n')
	}
	return []byte(b.String())
}
