package image

import "github.com/eksguard/eksguard/pkg/rule"

// Rules lists every image rule.
func Rules() []rule.Rule {
	return []rule.Rule{
		RunAsRoot(),
		SetuidFiles(),
		WorldWritable(),
		ShellPresent(),
		PackageManagerPresent(),
		SecretInFile(),
		SecretInConfig(),
		SensitiveFiles(),
		HealthcheckMissing(),
		RemoteAdd(),
		WastedSpace(),
	}
}
