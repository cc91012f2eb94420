from csms_under_test.cli import main
from csms_under_test.runtime import tune_for_serving

tune_for_serving()
raise SystemExit(main())
