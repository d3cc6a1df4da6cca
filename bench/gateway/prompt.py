"""The bench's realistic ~2 KB PHI-bearing clinical prompt (fictional patient; every identifier made up)."""

from __future__ import annotations

import orjson

PROMPT = (
    "Please summarize the following behavioral health progress note for the treatment team and "
    "extract risk factors.\n\n"
    "Patient: Maria Elena Gonzalez, DOB 03/14/1987, MRN 00483921. Member ID HPX-558210934. "
    "Address: 4127 Willow Creek Road, Apt 5B, Springfield, IL 62704. Phone (217) 555-0148, "
    "email maria.gonzalez87@example.com, SSN 523-45-8890. Seen on 11/02/2026 by Dr. Alan Whitaker "
    "(NPI 1457389261) at Riverside Behavioral Health Clinic.\n\n"
    "Subjective: Ms. Gonzalez is a 39-year-old woman with a history of major depressive disorder, "
    "recurrent, moderate, and generalized anxiety disorder, presenting for a scheduled follow-up. She "
    "reports that over the past three weeks her sleep has improved from about four hours to six hours a "
    "night since starting sleep hygiene measures. She describes her mood as 'steady most days' but notes "
    "two episodes of low mood following conflicts at work, where she recently changed roles. She denies "
    "current suicidal ideation, intent or plan; she reports passive thoughts of hopelessness two months "
    "ago that have since resolved. Her sister, Rosa Gonzalez (phone 217-555-0193), remains her main "
    "support and attended part of the visit with the patient's consent.\n\n"
    "Objective: Alert, oriented, casually dressed, good eye contact. Speech normal rate and volume. Mood "
    "'okay', affect mildly constricted but reactive. Thought process linear and goal directed. No "
    "perceptual disturbances. Insight and judgment fair to good. PHQ-9 today 11 (previous 16 on "
    "09/28/2026). GAD-7 today 9 (previous 13).\n\n"
    "Assessment: Depressive symptoms improving with psychotherapy and current medication; anxiety "
    "partially improved. Risk is assessed as low: no current ideation, engaged in care, protective "
    "factors include family support and regular exercise. Stressors include the job change and limited "
    "social contacts outside family.\n\n"
    "Plan: Continue weekly CBT sessions; review coping plan and behavioral activation goals; continue "
    "sleep diary. Safety plan reviewed and updated; crisis line numbers provided. Follow-up appointment "
    "on 11/16/2026. Coordinate with primary care, Dr. Susan Patel at Lakeview Family Medicine, fax "
    "(217) 555-0177. Next lab review of thyroid panel ordered 10/30/2026.\n"
)

HEADERS = {"x-user-id": "u-1017", "x-user-role": "clinician", "x-tool": "summarize"}


def ollama_body(stream: bool = False) -> str:
    return orjson.dumps({"model": "llama3.1:70b", "stream": stream,
                         "messages": [{"role": "system", "content": "You are a careful clinical assistant."},
                                      {"role": "user", "content": PROMPT}]}).decode()
