package pkgdb

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
)

// Jar builds a jar in memory from name/content pairs.
func Jar(t testing.TB, files ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	zw.Close()
	return buf.Bytes()
}

func TestJavaNested(t *testing.T) {
	inner := Jar(t, "META-INF/maven/com.fasterxml.jackson.core/jackson-databind/pom.properties", "groupId=com.fasterxml.jackson.core\nartifactId=jackson-databind\nversion=2.15.2\n")
	manifestOnly := Jar(t, "META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nImplementation-Vendor-Id: org.example\r\nImplementation-Version: 1.4\r\n")
	outer := Jar(t, "META-INF/maven/org.example/app/pom.properties", "groupId=org.example\nartifactId=app\nversion=1.0.0\n",
		"BOOT-INF/lib/jackson-databind-2.15.2.jar", string(inner), "BOOT-INF/lib/util-1.4.jar", string(manifestOnly))
	ps, err := JavaArchive(outer, "/app/app.jar")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.Name+"@"+p.Version+" "+p.Path)
	}
	want := "org.example:app@1.0.0 /app/app.jar|com.fasterxml.jackson.core:jackson-databind@2.15.2 /app/app.jar!/BOOT-INF/lib/jackson-databind-2.15.2.jar|org.example:util@1.4 /app/app.jar!/BOOT-INF/lib/util-1.4.jar"
	if strings.Join(got, "|") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
	if ps[1].PURL != "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.15.2" {
		t.Error(ps[1].PURL)
	}
	// Nesting deeper than MaxJarDepth is not followed.
	deep := inner
	for i := 0; i < 5; i++ {
		deep = Jar(t, "lib/x.jar", string(deep))
	}
	if ps, _ := JavaArchive(deep, "/d.jar"); len(ps) != 0 {
		t.Errorf("followed nesting past the limit: %+v", ps)
	}
}

func TestNPMAndPython(t *testing.T) {
	ps, err := NPMPackage(strings.NewReader(`{"name":"@babel/core","version":"7.24.0","license":"MIT"}`), "/app/node_modules/@babel/core/package.json")
	if err != nil || len(ps) != 1 || ps[0].PURL != "pkg:npm/%40babel/core@7.24.0" || ps[0].Licenses[0] != "MIT" {
		t.Fatalf("%+v %v", ps, err)
	}
	lock := `{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/lodash":{"version":"4.17.21"},"node_modules/a/node_modules/ms":{"version":"2.1.3"},"node_modules/local":{"link":true}}}`
	ps, err = NPMLock(strings.NewReader(lock), "/app/package-lock.json")
	if err != nil || len(ps) != 2 || ps[0].Name != "lodash" || ps[1].Name != "ms" {
		t.Fatalf("%+v %v", ps, err)
	}
	ps, err = PythonMetadata(strings.NewReader("Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\nLicense: MIT\n\nName: not-a-header\n"), "/usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/METADATA")
	if err != nil || len(ps) != 1 || ps[0].PURL != "pkg:pypi/pyyaml@6.0.1" {
		t.Fatalf("%+v %v", ps, err)
	}
}

func FuzzJavaArchive(f *testing.F) {
	seeds := []string{string(Jar(f, "META-INF/maven/g/a/pom.properties", "groupId=g\nartifactId=a\nversion=1\n", "lib/in.jar", string(Jar(f, "META-INF/MANIFEST.MF", "Implementation-Version: 2\n")))), "PK\x03\x04"}
	writeSeeds(f, "FuzzJavaArchive", seeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		JavaArchive(b, "/x.jar")
	})
}

func FuzzNPMLock(f *testing.F) {
	seeds := []string{`{"packages":{"node_modules/a":{"version":"1"}}}`, `{"dependencies":{"a":{"version":"1","dependencies":{"b":{"version":"2"}}}}}`}
	writeSeeds(f, "FuzzNPMLock", seeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		NPMLock(bytes.NewReader(b), "p")
		NPMPackage(bytes.NewReader(b), "p")
	})
}

func FuzzPythonMetadata(f *testing.F) {
	seeds := []string{"Name: a\nVersion: 1\n", "Name:\nVersion\n\n"}
	writeSeeds(f, "FuzzPythonMetadata", seeds...)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		PythonMetadata(bytes.NewReader(b), "p")
	})
}
